/**
 * Review tq, 3: a Deny of listing namespaces (`kubernetes:list` on `<cluster>/namespaces`) did not apply to the authorize
 * API's `kubernetes:list` on `<cluster>/namespaces/team-b`, though the webhook applies it to the same request. A list
 * naming an object is the collection's, narrowed by a `metadata.name` field selector (`kubectl get namespace team-b -w`):
 * kube-apiserver authorizes it on the collection in namespace `""` (a namespace is cluster-scoped; policy-semantics.md
 * §A.3), and the webhook's IAM view of it is both the object and the collection, `<cluster>/namespaces` (review ix, 3). The
 * authorize API read the namespace object's path in namespace `team-b` and so viewed the collection as
 * `<cluster>/namespaces/team-b/namespaces`, which no Deny names: it answered Allow (a ClusterRoleBinding lets the user
 * list namespaces) where the cluster refuses. It now views the request as kube-apiserver asks it (`asAuthorized`).
 *
 * Real server; the authorize API signed with SDK v3's SignatureV4, the review as kube-apiserver sends it.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOpsWorld, type OpsWorld } from './support/kube-ops-world.ts';

let world: OpsWorld;
let acct = '';
let cluster = '';
const admin = (method: string, path: string, body?: unknown) => world.admin(method, path, body);

before(async () => {
  world = await startOpsWorld('namespace-reader', () => [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] }]);
  ({ acct, cluster } = world);
  const deny = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:list', Resource: `${cluster}/namespaces` }] };
  await admin('POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name: 'alice' }, spec: { inlinePolicies: { 'no-namespace-list': deny } } }] });
});

after(async () => {
  await world?.server.stop();
});

test('the webhook denies listing namespace team-b by its name: the Deny of listing namespaces applies', async () => {
  assert.equal(await world.webhook({ verb: 'list', group: '', version: 'v1', resource: 'namespaces', namespace: '', name: 'team-b' }), false);
});

test('the authorize API denies it too', async () => {
  const r = await admin('POST', '/v1/authorize', { principal: `arn:aws:iam::${acct}:user/alice`, action: 'kubernetes:list', resource: `${cluster}/namespaces/team-b` });
  assert.equal(r['decision'], 'ExplicitDeny', JSON.stringify(r));
  // Reading it is not listing: still allowed.
  const g = await admin('POST', '/v1/authorize', { principal: `arn:aws:iam::${acct}:user/alice`, action: 'kubernetes:get', resource: `${cluster}/namespaces/team-b` });
  assert.equal(g['decision'], 'Allow', JSON.stringify(g));
});
