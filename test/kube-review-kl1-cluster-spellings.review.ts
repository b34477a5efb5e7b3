/**
 * Review kl, 1: the authorize API reads a Kubernetes question's cluster from any spelling of its ARN
 * (`CLUSTER_RESOURCE_RE`: `arn:<any AWS partition>:training::A:cluster/c/…` or `acs:pai::A:cluster/c/…`: IAM then only
 * denies, RBAC alone allows), but the RBAC engine found the cluster only under the cluster's own ARN: `acs:pai::…` of an
 * `aws` account's cluster, `arn:aws:training::…` of an `acs` (Alibaba-style) account's, `arn:aws-cn:training::…` of
 * either got no RBAC opinion, an ImplicitDeny with no word why, while the SubjectAccessReview webhook allows the same
 * request; who-can named no one. IAM read such a question on the path as asked, where no Deny written on the cluster's
 * own ARN applies. Now one rule (src/app/kube.ts `clusterOfResource`, `AuthorizeEngine.ownResource`): a question in
 * any spelling is decided on the path under the cluster's own ARN, as the webhook decides it, and an explicit deny of
 * the path as asked still refuses. Another account's caller (but the root account's) is answered as asked: which
 * clusters that account holds, and its dialect, are its own to know.
 *
 * Before the fix 4 of 4 tests failed.
 *
 * Real server; the authorize API and who-can signed with SDK v3's SignatureV4; alice's reviews from her token
 * presigned by SDK v3's SignatureV4 (as `aws eks get-token`), in the JSON kube-apiserver sends.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { aliceOnK1, type AliceOnK1 } from './support/kube-session.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;
let k1: AliceOnK1;
let acct: string;
let alice: string;
const GROUP = 'rbac.authorization.k8s.io';
const ACS = '555566667777';
const rbac = [
  { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'ops' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'delete'] }] },
  { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'ops' }, subjects: [{ kind: 'Group', name: 'ops', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'ops', apiGroup: GROUP } },
];

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  alice = `arn:aws:iam::${acct}:user/alice`;
  k1 = await aliceOnK1(server, {
    // A Deny on the cluster's own ARN (prod), and one on another partition's spelling (staging).
    inlinePolicies: (c) => ({ guards: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:delete', Resource: `${c}/namespaces/prod/*` }, { Effect: 'Deny', Action: 'kubernetes:delete', Resource: `arn:aws-cn:training::${acct}:cluster/k1/namespaces/staging/*` }] } }),
    group: 'ops',
    rbac,
  });
});

after(async () => {
  await server?.stop();
});

const ask = async (principal: string, action: string, resource: string, as = server.admin): Promise<string> => {
  const r = await gatehouseJson(server.url, as, 'POST', '/v1/authorize', { principal, action, resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return String(r.json['decision']);
};

test('an aws account cluster asked in the acs dialect or another AWS partition is decided by its RBAC, as the webhook decides it', async () => {
  const sar = await k1.sar({ resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'ml', name: 'p' } });
  assert.equal(sar.allowed, true, sar.reason);
  for (const head of ['arn:aws:training', 'acs:pai', 'arn:aws-cn:training', 'arn:aws-us-gov:training']) {
    assert.equal(await ask(alice, 'kubernetes:get', `${head}::${acct}:cluster/k1/namespaces/ml/pods/p`), 'Allow', head);
  }
});

test("a Deny on the cluster's own ARN refuses the question in any spelling; one on the path as asked still refuses it", async () => {
  const sar = await k1.sar({ resourceAttributes: { verb: 'delete', resource: 'pods', namespace: 'prod', name: 'p' } });
  assert.equal(sar.denied, true, sar.reason);
  for (const head of ['arn:aws:training', 'acs:pai', 'arn:aws-cn:training']) {
    assert.equal(await ask(alice, 'kubernetes:delete', `${head}::${acct}:cluster/k1/namespaces/prod/pods/p`), 'ExplicitDeny', head);
  }
  assert.equal(await ask(alice, 'kubernetes:delete', `arn:aws-cn:training::${acct}:cluster/k1/namespaces/staging/pods/p`), 'ExplicitDeny');
  assert.equal(await ask(alice, 'kubernetes:delete', `acs:pai::${acct}:cluster/k1/namespaces/dev/pods/p`), 'Allow');
});

test('who-can names alice for the cluster in another spelling', async () => {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/who-can', { action: 'kubernetes:get', resource: `acs:pai::${acct}:cluster/k1/namespaces/ml/pods/p` });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.match(JSON.stringify(r.json), /user\/alice/);
});

test("an acs account's cluster asked in AWS's spelling is decided by its RBAC", async () => {
  const made = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Account', metadata: { name: ACS }, spec: { partition: 'acs' } }] });
  assert.equal(made.status, 200, JSON.stringify(made.json));
  const key = (made.json['credentials'] as { AccessKeyId: string; SecretAccessKey: string }[])[0];
  assert.ok(key);
  const admin = { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
  const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
  const set = await gatehouseJson(server.url, admin, 'POST', '/v1/apply', { documents: [doc('Cluster', 'eci', {}), doc('User', 'bob', {}), doc('AccessEntry', 'bob', { cluster: 'eci', principalArn: `acs:ram::${ACS}:user/bob`, kubernetesGroups: ['ops'] })] });
  assert.equal(set.status, 200, JSON.stringify(set.json));
  const rb = await gatehouseJson(server.url, admin, 'POST', '/v1/apply', { cluster: 'eci', documents: rbac });
  assert.equal(rb.status, 200, JSON.stringify(rb.json));
  const bob = `acs:ram::${ACS}:user/bob`;
  assert.equal(await ask(bob, 'kubernetes:get', `acs:pai::${ACS}:cluster/eci/namespaces/ml/pods/p`, admin), 'Allow');
  assert.equal(await ask(bob, 'kubernetes:get', `arn:aws:training::${ACS}:cluster/eci/namespaces/ml/pods/p`, admin), 'Allow');
  // Another account's cluster is that account's to know of: its admin's question about k1 is answered as asked, its
  // own ARN untold.
  const other = await gatehouseJson(server.url, admin, 'POST', '/v1/authorize', { principal: bob, action: 'kubernetes:get', resource: `acs:pai::${acct}:cluster/k1/namespaces/ml/pods/p` });
  assert.equal(other.status, 200, JSON.stringify(other.json));
  assert.equal(other.json['decision'], 'ImplicitDeny');
  assert.doesNotMatch(JSON.stringify(other.json), /arn:aws:training::\d{12}:cluster\/k1/);
});
