/**
 * Review tq, 1: the authorize API read `kubernetes:create` on `<cluster>/namespaces/team-b` in namespace `team-b`, so a
 * RoleBinding in `team-b` (a team's admin binding, `*` on `*`) answered Allow to "may alice create namespace team-b" and
 * who-can listed the team. kube-apiserver creates a namespace by a POST to the collection, `/api/v1/namespaces`, which
 * its RequestInfo gives namespace `""` (the object path `/api/v1/namespaces/team-b`, which gets namespace `team-b`, is
 * only for the object's get, update, patch and delete; a server-side apply that creates it authorizes `create` in
 * namespace `""` too): a namespace is cluster-scoped, and creating one is reachable only through ClusterRoleBindings
 * (policy-semantics.md §A.3, "Rules applying to (user, namespace)": "Cluster-scoped resources … (namespace `""`) are
 * reachable only through ClusterRoleBindings"). The webhook refused the same `kubectl create namespace team-b` (its
 * review names namespace `""`): the two disagreed, and the authorize API claimed a right the cluster does not give.
 * Deleting, reading or updating the namespace object is still decided in the namespace, as kube-apiserver asks it.
 *
 * Real server; the authorize API and who-can signed with SDK v3's SignatureV4, the review as kube-apiserver sends it.
 *
 * Before the fix 2 of 4 tests failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { teamAdminSuite } from './support/kube-ops-world.ts';

// Cluster-wide, group `ops` may only read pods; in `team-b` it is the namespace's admin.
const world = teamAdminSuite();

test('the webhook refuses creating namespace team-b (namespace "" in the review)', async () => {
  assert.equal(await world().webhook({ verb: 'create', group: '', version: 'v1', resource: 'namespaces', namespace: '' }), false);
  assert.equal(await world().webhook({ verb: 'create', group: '', version: 'v1', resource: 'namespaces', namespace: '', name: 'team-b' }), false);
});

test('the authorize API does not allow creating namespace team-b through a RoleBinding in team-b', async () => {
  const d = await world().authorize('kubernetes:create', `${world().cluster}/namespaces/team-b`);
  assert.notEqual(d.decision, 'Allow', d.text);
});

test('who-can does not name the team as one that may create namespace team-b', async () => {
  const r = await world().admin('POST', '/v1/who-can', { action: 'kubernetes:create', resource: `${world().cluster}/namespaces/team-b` });
  assert.doesNotMatch(JSON.stringify(r), /team-admin|user\/alice|"ops"/, JSON.stringify(r));
});

test('deleting and reading namespace team-b are still decided in team-b, as kube-apiserver asks them', async () => {
  assert.equal((await world().authorize('kubernetes:delete', `${world().cluster}/namespaces/team-b`)).decision, 'Allow');
  assert.equal((await world().authorize('kubernetes:get', `${world().cluster}/namespaces/team-b`)).decision, 'Allow');
  assert.equal(await world().webhook({ verb: 'delete', group: '', version: 'v1', resource: 'namespaces', namespace: 'team-b', name: 'team-b' }), true);
});
