/**
 * Review fa, 1: the predefined `roles/container.developer` ("Kubernetes Engine Developer": "full access to the
 * Kubernetes resources inside clusters; get and list clusters and their credentials") also held every permission on
 * training jobs — `ml.jobs.create`, `.cancel`, `.delete`, `.update`, `.getIamPolicy` and `.setIamPolicy`. GCP's role of
 * that name holds `container.*` permissions only (cloud.google.com/iam/docs/roles-permissions/container); job
 * permissions are `roles/ml.*`'s, and `ml.jobs.setIamPolicy` only `roles/ml.admin`'s and `roles/owner`'s (not even
 * `roles/editor` sets IAM policies: catalogue.test.ts). So a Kubernetes developer granted the role on the account, as
 * GKE grants it, could stop every user's training job (`training:StopJob` → `ml.jobs.cancel`), submit jobs
 * (`training:CreateJob` → `ml.jobs.create`) and rewrite the IAM policy of any job of the account — handing `roles/owner`
 * on it to `allUsers`. The role now holds its Kubernetes permissions only; what it grants on clusters is unchanged.
 * Core catalogue, and a real server (SigV4-signed /v1/ calls, the developer signing with its own key).
 * Before the fix all three tests failed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { predefinedPermissions } from '../src/core/bindings/index.ts';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const JOB = `arn:aws:training::${ROOT}:job/j-fa1`;
const WORKSPACE = `arn:aws:training::${ROOT}:workspace/fa1`;
const CLUSTER = `arn:aws:training::${ROOT}:cluster/c-fa1`;
const GARY = `arn:aws:iam::${ROOT}:user/gary`;

test('roles/container.developer holds Kubernetes (container.*) permissions and the account read, no training-job permission', () => {
  const perms = predefinedPermissions('roles/container.developer');
  assert.ok(perms !== undefined);
  const foreign = [...perms].filter((p) => !p.startsWith('container.') && p !== 'resourcemanager.accounts.get');
  assert.deepEqual(foreign, []);
  assert.ok(perms.has('container.clusters.get') && perms.has('container.clusters.getCredentials') && perms.has('container.pods.create'));
});

describe('a binding of roles/container.developer on the account', () => {
  let server: TestServer;
  let gary: Credentials;

  before(async () => {
    server = await startTestServer();
    gary = await userWithKey(server, 'gary');
    const bind = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: `account/${ROOT}`, bindings: [{ role: 'roles/container.developer', members: ['user:gary'] }] });
    assert.equal(bind.status, 200, JSON.stringify(bind.json));
  });
  after(() => server?.stop());

  const decision = async (action: string, resource: string): Promise<string> => {
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: GARY, action, resource });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json['decision'] as string;
  };

  test('does not let its member set the IAM policy of a training job', async () => {
    const w = await gatehouseJson(server.url, gary, 'PUT', '/v1/iam-policies', { resource: JOB, bindings: [{ role: 'roles/ml.admin', members: ['user:gary'] }] });
    assert.equal(w.status, 403, JSON.stringify(w.json));
    const read = await gatehouseJson(server.url, server.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(JOB)}`);
    assert.deepEqual(read.json['bindings'], [], 'nothing was written');
    assert.equal(await decision('ml.jobs.setIamPolicy', JOB), 'ImplicitDeny');
  });

  test('grants no job submission, stopping or deletion; still the clusters it names', async () => {
    assert.equal(await decision('training:StopJob', JOB), 'ImplicitDeny');
    assert.equal(await decision('ml.jobs.delete', JOB), 'ImplicitDeny');
    assert.equal(await decision('training:CreateJob', WORKSPACE), 'ImplicitDeny');
    assert.equal(await decision('training:GetCluster', CLUSTER), 'Allow');
    assert.equal(await decision('eks:AccessKubernetesApi', CLUSTER), 'Allow');
  });
});
