/**
 * Review ap, 2: the authorize API reads the Kubernetes verb of `kubernetes:<verb>` without case, as IAM reads actions.
 * `kubernetes:Get` and `kubernetes:get` are one IAM action (an IAM Deny of either applies to both), but RBAC was asked
 * about verb `Get`, which no rule names (Kubernetes' verbs are lower case and RBAC compares them exactly): alice, whom a
 * RoleBinding lets get and list pods in `ml`, was ImplicitDeny for `kubernetes:Get` and Allow for `kubernetes:get`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const GROUP = 'rbac.authorization.k8s.io';
let server: TestServer;
let acct = '';

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  const apply = async (body: unknown) => {
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', body);
    assert.equal(r.status, 200, JSON.stringify(r.json));
  };
  const cluster = `arn:aws:training::${acct}:cluster/k1`;
  await apply({
    documents: [
      { apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name: 'k1' }, spec: {} },
      {
        apiVersion: 'gatehouse.dev/v1',
        kind: 'User',
        metadata: { name: 'alice' },
        spec: { inlinePolicies: { 'no-secret-pod': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:get', Resource: `${cluster}/namespaces/ml/pods/secret` }] } } },
      },
    ],
  });
  await apply({
    cluster: 'k1',
    documents: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'pod-reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'RoleBinding', metadata: { name: 'devs', namespace: 'ml' }, subjects: [{ kind: 'Group', name: 'devs', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'pod-reader', apiGroup: GROUP } },
    ],
  });
  const e = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/access-entries', { principalArn: `arn:aws:iam::${acct}:user/alice`, kubernetesGroups: ['devs'] });
  assert.ok(e.status < 300, JSON.stringify(e.json));
});

after(async () => {
  await server?.stop();
});

async function decide(action: string, path: string): Promise<string> {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${acct}:user/alice`, action, resource: `arn:aws:training::${acct}:cluster/k1${path}` });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return String(r.json['decision']);
}

test('kubernetes:Get, kubernetes:LIST: decided as get and list are', async () => {
  assert.equal(await decide('kubernetes:get', '/namespaces/ml/pods/p'), 'Allow');
  assert.equal(await decide('kubernetes:Get', '/namespaces/ml/pods/p'), 'Allow');
  assert.equal(await decide('Kubernetes:LIST', '/namespaces/ml/pods'), 'Allow');
  assert.equal(await decide('kubernetes:Delete', '/namespaces/ml/pods/p'), 'ImplicitDeny');
});

test('an IAM deny of one spelling still denies the other', async () => {
  assert.equal(await decide('kubernetes:GET', '/namespaces/ml/pods/secret'), 'ExplicitDeny');
  assert.equal(await decide('kubernetes:Get', '/namespaces/ml/pods'), 'ExplicitDeny', 'a get naming no pod covers the denied one (review K, K3)');
});
