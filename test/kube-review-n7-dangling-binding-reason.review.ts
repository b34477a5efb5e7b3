/**
 * Review N, N7: a binding to a missing role is reported once, in the SubjectAccessReview's `evaluationError`, not
 * again in its `reason` as `rbac: RBAC: RoleBinding … refers to Role …` after the binding that allowed (what
 * kube-apiserver writes into its audit log as the reason of an allowed request).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const GROUP = 'rbac.authorization.k8s.io';
let server: TestServer;
let token = '';

before(async () => {
  server = await startTestServer();
  const apply = async (body: unknown) => assert.equal((await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', body)).status, 200);
  await apply({ documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name: 'k1' }, spec: {} }] });
  const binding = (name: string, role: string) => ({ apiVersion: `${GROUP}/v1`, kind: 'RoleBinding', metadata: { name, namespace: 'team' }, subjects: [{ kind: 'Group', name: 'devs', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: role, apiGroup: GROUP } });
  await apply({
    cluster: 'k1',
    documents: [{ apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'view' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] }, binding('viewers', 'view'), binding('dangling', 'gone')],
  });
  token = String((await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
});

after(async () => {
  await server?.stop();
});

test('the allow’s reason names the allowing binding only; the dangling one is in evaluationError', async () => {
  const r = await fetch(`${server.url}/k8s/k1/authorize`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { resourceAttributes: { namespace: 'team', verb: 'get', version: 'v1', resource: 'pods', name: 'p' }, user: 'bob', groups: ['devs'] } }),
  });
  const status = ((await r.json()) as { status: { allowed: boolean; reason: string; evaluationError?: string } }).status;
  assert.equal(status.allowed, true);
  assert.match(status.reason, /^rbac: allowed by RoleBinding `team\/viewers` of ClusterRole `view`/);
  assert.doesNotMatch(status.reason, /dangling|RBAC:/);
  assert.match(status.evaluationError ?? '', /^RBAC: RoleBinding `team\/dangling` refers to ClusterRole `gone`, which does not exist/);
});
