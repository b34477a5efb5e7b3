/**
 * Review ej, 3 (fixed in src/app/authorize.ts `iamOnlyDenies` and src/app/bindings.ts, the engine's `decide`). A
 * request on a cluster's Kubernetes objects is decided as the SubjectAccessReview webhook decides it: IAM only denies,
 * RBAC alone allows ("an IAM allow grants nothing in Kubernetes, or every `Action: *` administrator would be
 * cluster-admin"), and bindings grant nothing (docs/semantics.md, "Predefined `container.*` roles and Kubernetes": "a
 * binding of `roles/container.developer` grants … no pod, config map or secret access"). Asked as `kubernetes:get` it
 * was. Asked with the Kubernetes permission the predefined roles list (`container.secrets.get`, `container.pods.get`,
 * GKE's names for the same requests), on the same cluster path, it was decided as any other question: an `Action: *`
 * user was answered Allow for every secret of the cluster, and a user with a binding of `roles/container.developer`
 * Allow for its pods, though neither has an access entry and the webhook lets neither in.
 *
 * Now such a question is decided as `kubernetes:<verb>` is on the IAM side (IAM only denies), and bindings have no
 * opinion on it, saying that the cluster's RBAC decides it. `/v1/authorize`, `/v1/simulate`, who-can. Real server
 * (SQLite), SigV4-signed /v1/ calls. Before the fix, 2 of the 3 tests failed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const CLUSTER = `arn:aws:training::${ROOT}:cluster/c1`;
const SECRET = `${CLUSTER}/namespaces/team/secrets/db`;
const POD = `${CLUSTER}/namespaces/team/pods/p1`;
const user = (name: string): string => `arn:aws:iam::${ROOT}:user/${name}`;
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

interface Answer {
  decision: string;
  reasons: string[];
  diagnostics: string[];
}

describe('a Kubernetes permission on a cluster’s objects is decided as kubernetes:<verb>', () => {
  let server: TestServer;
  const ask = async (path: string, body: Record<string, unknown>): Promise<Answer> => {
    const r = await gatehouseJson(server.url, server.admin, 'POST', path, body);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json as unknown as Answer;
  };

  before(async () => {
    server = await startTestServer();
    const setup = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
      documents: [
        doc('Cluster', 'c1', {}),
        doc('User', 'carol', { inlinePolicies: { all: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } } }),
        doc('User', 'gary', {}),
      ],
    });
    assert.equal(setup.status, 200, JSON.stringify(setup.json));
    const bind = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: `account/${ROOT}`, bindings: [{ role: 'roles/container.developer', members: ['user:gary'] }] });
    assert.equal(bind.status, 200, JSON.stringify(bind.json));
  });
  after(() => server?.stop());

  test('an `Action: *` user without an access entry reads no secret, in either spelling', async () => {
    for (const path of ['/v1/authorize', '/v1/simulate']) {
      assert.equal((await ask(path, { principal: user('carol'), action: 'kubernetes:get', resource: SECRET })).decision, 'ImplicitDeny', path);
      const secret = await ask(path, { principal: user('carol'), action: 'container.secrets.get', resource: SECRET });
      assert.equal(secret.decision, 'ImplicitDeny', `${path}: ${JSON.stringify(secret)}`);
      assert.ok(secret.reasons.some((r) => /^iam: no opinion: on a cluster's resources IAM only denies/.test(r)), JSON.stringify(secret));
      assert.equal((await ask(path, { principal: user('carol'), action: 'container.pods.exec', resource: POD })).decision, 'ImplicitDeny', path);
    }
    const who = await gatehouseJson(server.url, server.admin, 'POST', '/v1/who-can', { action: 'container.secrets.get', resource: SECRET });
    assert.equal(who.status, 200, JSON.stringify(who.json));
    assert.ok(!(who.json['allowed'] as { name: string }[]).some((a) => a.name === 'carol'), JSON.stringify(who.json));
  });

  test('a binding of roles/container.developer grants no pod of the cluster, and says that RBAC decides it', async () => {
    assert.equal((await ask('/v1/authorize', { principal: user('gary'), action: 'kubernetes:get', resource: POD })).decision, 'ImplicitDeny');
    const pod = await ask('/v1/authorize', { principal: user('gary'), action: 'container.pods.get', resource: POD });
    assert.equal(pod.decision, 'ImplicitDeny', JSON.stringify(pod));
    assert.ok(pod.diagnostics.some((d) => d.includes("`container.pods.get` on a cluster's Kubernetes objects is decided by the cluster's RBAC, never by bindings")), JSON.stringify(pod));
  });

  test('the cluster itself is still the bindings’ and IAM’s: container.clusters.get', async () => {
    assert.equal((await ask('/v1/authorize', { principal: user('gary'), action: 'container.clusters.get', resource: CLUSTER })).decision, 'Allow');
    assert.equal((await ask('/v1/authorize', { principal: user('carol'), action: 'training:GetCluster', resource: CLUSTER })).decision, 'Allow');
  });
});
