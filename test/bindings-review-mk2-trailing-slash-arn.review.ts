/**
 * Review mk, 2: `training:GetCluster` asked on `arn:aws:training::A:cluster/gpu/` (a trailing `/`) answered Allow through a binding where the cluster's Deny refuses.
 *
 * Bindings govern a resource by its ARN and every `/`-prefix of it (account → workspace → resource; src/app/resource-tree.ts
 * `governingArns`), so a binding on the account, or on `…:cluster/gpu`, governs `…:cluster/gpu/` and `…:cluster/gpu/x` as
 * well, while IAM matches ARNs literally: a Deny of `training:*` on `arn:aws:training::A:cluster/gpu` does not name
 * `…:cluster/gpu/`. The authorize API took such a question as a resource server's and answered Allow, though the clusters
 * API decides `training:GetCluster` on the cluster's own ARN alone (`GET /v1/clusters/gpu` refuses the same user: 403),
 * and so for jobs (`training:CreateJob` on `…:workspace/ml/`) and a question in the bindings' spelling
 * (`container.clusters.get`). A resource server that builds the ARN from a request path with a trailing slash got an Allow
 * for what the Deny refuses. Reviews mf, 1 and 4 refused a region and a type in another case for those questions; a path
 * after the name is the same: now 400 VALIDATION_ERROR at `resource` naming the ARN to ask about. `kubernetes:` questions
 * keep their request paths (`…:cluster/gpu/` is the root path `/`), pods' admission its paths, and resource servers'
 * own actions (`training:InvokeModel`) their ARNs.
 *
 * Before the fix 1 of 2 tests failed.
 *
 * Real server (SQLite), SigV4-signed /v1/ calls (the admin, and a user with an explicit Deny).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const EVE = `arn:aws:iam::${ROOT}:user/eve`;
const CLUSTER = `arn:aws:training::${ROOT}:cluster/gpu`;
const WORKSPACE = `arn:aws:training::${ROOT}:workspace/ml`;

describe('a question Gatehouse decides itself, on a cluster’s or workspace’s ARN with a path after its name', () => {
  let s: TestServer;
  let eve: Credentials;
  const v1 = (method: string, path: string, body?: unknown) => gatehouseJson(s.url, s.admin, method, path, body);
  const ask = (action: string, resource: string) => v1('POST', '/v1/authorize', { principal: EVE, action, resource });
  const detail = (json: Record<string, unknown>) => ((json['error'] as { details?: { code: string; path: string; message: string }[] } | undefined)?.details ?? [])[0];

  before(async () => {
    s = await startTestServer();
    eve = await userWithPolicy(s, 'eve', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'training:*', Resource: [CLUSTER, WORKSPACE] }] }));
    assert.equal((await v1('PUT', '/v1/clusters/gpu', {})).status, 200);
    const bound = await v1('PUT', '/v1/iam-policies', { resource: `account/${ROOT}`, bindings: [{ role: 'roles/container.clusterViewer', members: ['user:eve'] }, { role: 'roles/ml.developer', members: ['user:eve'] }] });
    assert.equal(bound.status, 200, JSON.stringify(bound.json));
  });
  after(() => s?.stop());

  test('is refused, naming the ARN to ask about, where it answered Allow past the Deny', async () => {
    assert.equal((await gatehouseJson(s.url, eve, 'GET', '/v1/clusters/gpu')).status, 403, 'the clusters API refuses eve');
    assert.equal((await ask('training:GetCluster', CLUSTER)).json['decision'], 'ExplicitDeny');
    for (const [action, resource, own] of [
      ['training:GetCluster', `${CLUSTER}/`, CLUSTER],
      ['training:GetCluster', `${CLUSTER}/x`, CLUSTER],
      ['container.clusters.get', `${CLUSTER}/`, CLUSTER],
      ['training:CreateJob', `${WORKSPACE}/`, WORKSPACE],
      ['ml.jobs.create', `${WORKSPACE}//`, WORKSPACE],
    ] as const) {
      const r = await ask(action, resource);
      assert.equal(r.status, 400, `${action} on ${resource}: ${JSON.stringify(r.json)}`);
      const e = detail(r.json);
      assert.equal(e?.code, 'VALIDATION_ERROR');
      assert.equal(e?.path, 'resource');
      assert.ok(e?.message.includes(`ask about \`${own}\``), e?.message);
    }
  });

  test('Kubernetes request paths and resource servers’ own actions keep their ARNs', async () => {
    const root = await ask('kubernetes:get', `${CLUSTER}/`);
    assert.equal(root.status, 200, JSON.stringify(root.json));
    assert.notEqual(root.json['decision'], 'Allow');
    const model = await ask('training:InvokeModel', `arn:aws:training::${ROOT}:model/m1/`);
    assert.equal(model.status, 200, JSON.stringify(model.json));
    assert.equal(model.json['decision'], 'Allow', 'a resource server’s model, bound to ml.developer on the account');
  });
});
