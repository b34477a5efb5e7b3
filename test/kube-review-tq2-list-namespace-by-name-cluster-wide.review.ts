/**
 * Review tq, 2: the authorize API read `kubernetes:list` on `<cluster>/namespaces/team-b` in namespace `team-b`, so a
 * RoleBinding in `team-b` that lets its subjects list namespaces (a team's admin binding, `*` on `*`) answered Allow to
 * "may alice list namespace team-b" and who-can listed the team. A list that names an object is one of the collection
 * narrowed by a `metadata.name` field selector (`kubectl get namespace team-b -w`, `GET /api/v1/namespaces?fieldSelector=
 * metadata.name=team-b`): kube-apiserver's RequestInfo names it `team-b` but reads no namespace from the collection's
 * path, so its review has namespace `""`, and namespaces are cluster-scoped: only ClusterRoleBindings reach them
 * (policy-semantics.md §A.3, "Rules applying to (user, namespace)"; the narrowed list: "Newer servers fill the name for
 * list/watch with a `metadata.name=` field selector"). The webhook refused the same list; the two disagreed. A
 * `deletecollection` is of the collection too. `watch` stays in the namespace: kube-apiserver still serves the old
 * `/api/v1/watch/namespaces/team-b` path, which it reads in namespace `team-b`.
 *
 * Real server; the authorize API and who-can signed with SDK v3's SignatureV4, the review as kube-apiserver sends it.
 *
 * Before the fix 1 of 3 tests failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { teamAdminSuite } from './support/kube-ops-world.ts';

// Cluster-wide, group `ops` may only read pods; in `team-b` it is the namespace's admin.
const world = teamAdminSuite();

test('the webhook refuses listing namespace team-b by its name (namespace "" in the review)', async () => {
  assert.equal(await world().webhook({ verb: 'list', group: '', version: 'v1', resource: 'namespaces', namespace: '', name: 'team-b' }), false);
});

test('the authorize API and who-can do not allow listing namespace team-b through a RoleBinding in team-b', async () => {
  const d = await world().authorize('kubernetes:list', `${world().cluster}/namespaces/team-b`);
  assert.notEqual(d.decision, 'Allow', d.text);
  assert.notEqual((await world().authorize('kubernetes:deletecollection', `${world().cluster}/namespaces/team-b`)).decision, 'Allow');
  const r = await world().admin('POST', '/v1/who-can', { action: 'kubernetes:list', resource: `${world().cluster}/namespaces/team-b` });
  assert.doesNotMatch(JSON.stringify(r), /team-admin|user\/alice|"ops"/, JSON.stringify(r));
});

test('watching namespace team-b by its name is still decided in team-b (the /watch/ path kube-apiserver serves)', async () => {
  assert.equal((await world().authorize('kubernetes:watch', `${world().cluster}/namespaces/team-b`)).decision, 'Allow');
});
