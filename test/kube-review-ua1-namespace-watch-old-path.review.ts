/**
 * Review ua, 1: a watch of one namespace is the namespaces collection's, narrowed to it. kube-apiserver serves it by two
 * paths, and its `RequestInfoFactory` (k8s.io/apiserver `endpoints/request/requestinfo.go`) names both `watch` on
 * `namespaces` named `team-b`: `GET /api/v1/namespaces?watch=1&fieldSelector=metadata.name=team-b` (`kubectl get namespace
 * team-b -w`) in namespace `""`, and the older `GET /api/v1/watch/namespaces/team-b` (still served; client-go's informers
 * and `kubectl get --raw` reach it) in namespace `team-b`, since the part after `namespaces/` is read as a namespace. The
 * webhook views a narrowed list or watch as the object and the collection, so that a Deny on watching the collection
 * applies (review ix, 3), but it wrote the collection of the second form as `<cluster>/namespaces/team-b/namespaces`, which
 * no Deny names: `Deny kubernetes:watch on <cluster>/namespaces` refused the first form and allowed the second, the same
 * watch, through the webhook and the authorize API (which asks a watch of `<cluster>/namespaces/team-b` as the old path,
 * docs/semantics.md "The namespace object"). Both forms are now viewed as `<cluster>/namespaces/team-b` and
 * `<cluster>/namespaces` (review tq, 3 did so for `list`, which has no such second path).
 *
 * Real server; the authorize API signed with SDK v3's SignatureV4, the reviews as kube-apiserver sends them.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOpsWorld, type OpsWorld } from './support/kube-ops-world.ts';

let world: OpsWorld;
let acct = '';
let cluster = '';
const admin = (method: string, path: string, body?: unknown) => world.admin(method, path, body);
const watchOf = (namespace: string) => ({ verb: 'watch', group: '', version: 'v1', resource: 'namespaces', namespace, name: 'team-b' });

before(async () => {
  world = await startOpsWorld('namespace-reader', () => [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] }]);
  ({ acct, cluster } = world);
  const deny = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:watch', Resource: `${cluster}/namespaces` }] };
  await admin('POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name: 'alice' }, spec: { inlinePolicies: { 'no-namespace-watch': deny } } }] });
});

after(async () => {
  await world?.server.stop();
});

test('the webhook denies watching namespace team-b by a field selector (namespace "" in the review)', async () => {
  assert.equal(await world.webhook(watchOf('')), false);
});

test('the webhook denies the same watch by the /api/v1/watch/namespaces/team-b path (namespace team-b in the review)', async () => {
  assert.equal(await world.webhook(watchOf('team-b')), false);
  // Getting it is not watching: still allowed.
  assert.equal(await world.webhook({ ...watchOf('team-b'), verb: 'get' }), true);
});

test('the authorize API denies kubernetes:watch of <cluster>/namespaces/team-b too', async () => {
  const r = await admin('POST', '/v1/authorize', { principal: `arn:aws:iam::${acct}:user/alice`, action: 'kubernetes:watch', resource: `${cluster}/namespaces/team-b` });
  assert.equal(r['decision'], 'ExplicitDeny', JSON.stringify(r));
});
