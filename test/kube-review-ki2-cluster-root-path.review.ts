/**
 * Review ki, 2: the API server's root path `/` had two IAM views. The SubjectAccessReview webhook decides a request for
 * `/` (`kubectl get --raw /`, a non-resource review of path `/`) as `kubernetes:<verb>` on `<cluster>/` (the cluster
 * ARN followed by the path, docs/decisions.md "RBAC answers the authorize API"), while the authorize API read the bare
 * cluster ARN `<cluster>` as that same request and decided IAM on `<cluster>`: a Deny written on `<cluster>` refused the
 * authorize API's question and let the webhook's request through, and a Deny on `<cluster>/` the other way round. The
 * authorize API (authorize, batch, simulate, who-can) now decides a Kubernetes question on the bare cluster ARN on
 * `<cluster>/`, the webhook's view, so a Deny applies through both doors or neither.
 *
 * Before the fix 2 of 3 tests failed.
 *
 * Real server; the authorize API as the root admin asks it (SigV4 by SDK v3's signer); alice's reviews from her token
 * presigned by SDK v3's SignatureV4 (as `aws eks get-token`), in the JSON kube-apiserver sends.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { aliceOnK1, type AliceOnK1 } from './support/kube-session.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;
let k1: AliceOnK1;
let alice: string;
const GROUP = 'rbac.authorization.k8s.io';

before(async () => {
  server = await startTestServer();
  alice = `arn:aws:iam::${server.adminFile.AccountId}:user/alice`;
  k1 = await aliceOnK1(server, {
    // One Deny on each spelling: `get` on the bare ARN, `head` on the root path.
    inlinePolicies: (c) => ({ guards: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:get', Resource: c }, { Effect: 'Deny', Action: 'kubernetes:head', Resource: `${c}/` }] } }),
    group: 'ops',
    rbac: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'ops' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, { nonResourceURLs: ['*'], verbs: ['*'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'ops' }, subjects: [{ kind: 'Group', name: 'ops', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'ops', apiGroup: GROUP } },
    ],
  });
});

after(async () => {
  await server?.stop();
});

const webhook = async (verb: string) => {
  const a = await k1.sar({ nonResourceAttributes: { verb, path: '/' } });
  return a.denied === true ? 'ExplicitDeny' : a.allowed ? 'Allow' : 'ImplicitDeny';
};

test('the webhook and the authorize API decide the root path alike (a Deny on the bare cluster ARN applies through neither)', async () => {
  assert.equal(await webhook('get'), 'Allow');
  assert.equal(await k1.ask('kubernetes:get', ''), 'Allow');
  assert.equal(await k1.ask('kubernetes:get', '/'), 'Allow');
});

test('a Deny on `<cluster>/` refuses the root path through both doors, the bare cluster ARN included', async () => {
  assert.equal(await webhook('head'), 'ExplicitDeny');
  assert.equal(await k1.ask('kubernetes:head', '/'), 'ExplicitDeny');
  assert.equal(await k1.ask('kubernetes:head', ''), 'ExplicitDeny');
  const batch = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize:batch', { requests: [{ principal: alice, action: 'kubernetes:head', resource: k1.cluster }, { principal: alice, action: 'kubernetes:get', resource: k1.cluster }] });
  assert.deepEqual((batch.json['results'] as { decision: string }[]).map((x) => x.decision), ['ExplicitDeny', 'Allow']);
});

test('other actions on the cluster ARN keep deciding on the bare ARN', async () => {
  // training:GetCluster is the cluster's own action (IAM alone): the bare ARN is its resource.
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: alice, action: 'training:GetCluster', resource: k1.cluster });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.notEqual(r.json['decision'], 'ExplicitDeny');
});
