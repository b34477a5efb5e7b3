/**
 * Review ce, finding 3: `gatehouse apply --cluster C --prune` compared the names of RBAC objects without case, as it
 * compares IAM names. Kubernetes names are case-sensitive: ClusterRoleBinding `Ops` and `ops` are two objects (both
 * can be applied, and both were stored). Renaming a binding by case (`Ops` → `ops`, a naming cleanup) and applying
 * with --prune, as `kubectl apply --prune` deletes what the files no longer name, left `Ops` in place: its subjects
 * kept the rights the admin meant to take away, and the plan said nothing of it. Now RBAC names are compared exactly:
 * `Ops` is pruned, `ops` is kept. Real server; the apply API, then SubjectAccessReviews as kube-apiserver sends them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let bearer = '';
const G = 'rbac.authorization.k8s.io';

const role = (name: string, resource: string) => ({ apiVersion: `${G}/v1`, kind: 'ClusterRole', metadata: { name }, rules: [{ apiGroups: [''], resources: [resource], verbs: ['get'] }] });
const binding = (name: string, group: string, roleName: string) => ({
  apiVersion: `${G}/v1`,
  kind: 'ClusterRoleBinding',
  metadata: { name },
  subjects: [{ kind: 'Group', name: group, apiGroup: G }],
  roleRef: { kind: 'ClusterRole', name: roleName, apiGroup: G },
});
const rb = (ns: string, name: string, group: string) => ({ ...binding(name, group, 'secrets-reader'), kind: 'RoleBinding', metadata: { name, namespace: ns } });

async function apply(documents: unknown[], prune: boolean): Promise<{ status: number; json: Record<string, unknown> }> {
  return gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { cluster: 'k1', prune, documents });
}

async function mayRead(group: string, namespace = 'team'): Promise<boolean> {
  const r = await fetch(`${server.url}/k8s/k1/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'someone', groups: [group, 'system:authenticated'], resourceAttributes: { namespace, verb: 'get', version: 'v1', resource: 'secrets', name: 's' } } }),
  });
  const json = (await r.json()) as { status: { allowed: boolean } };
  assert.equal(r.status, 200, JSON.stringify(json));
  return json.status.allowed;
}

before(async () => {
  server = await startTestServer();
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name: 'k1' }, spec: {} }] });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  bearer = String((await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
});
after(() => server?.stop());

describe('--prune compares RBAC names with case, as Kubernetes does (review ce, 3)', () => {
  it('a ClusterRoleBinding renamed by case: the old one is pruned, the new one kept', async () => {
    const first = await apply([role('secrets-reader', 'secrets'), binding('Ops', 'ops', 'secrets-reader')], true);
    assert.equal(first.status, 200, JSON.stringify(first.json));
    assert.equal(await mayRead('ops'), true);
    const renamed = await apply([role('secrets-reader', 'secrets'), binding('ops', 'ops-oncall', 'secrets-reader')], true);
    assert.equal(renamed.status, 200, JSON.stringify(renamed.json));
    const changes = (renamed.json['changes'] as { action: string; name: string }[]).map((c) => `${c.action} ${c.name}`).sort();
    assert.deepEqual(changes, ['create ops', 'delete Ops', 'unchanged secrets-reader']);
    assert.equal(await mayRead('ops'), false, 'the binding the files no longer name still grants');
    assert.equal(await mayRead('ops-oncall'), true);
  });

  it('a RoleBinding renamed by case in its namespace', async () => {
    const first = await apply([role('secrets-reader', 'secrets'), rb('team', 'Readers', 'readers')], true);
    assert.equal(first.status, 200, JSON.stringify(first.json));
    assert.equal(await mayRead('readers'), true);
    const renamed = await apply([role('secrets-reader', 'secrets'), rb('team', 'readers', 'readers-2')], true);
    assert.equal(renamed.status, 200, JSON.stringify(renamed.json));
    const changes = (renamed.json['changes'] as { action: string; name: string }[]).map((c) => `${c.action} ${c.name}`).sort();
    assert.deepEqual(changes, ['create team/readers', 'delete team/Readers', 'unchanged secrets-reader']);
    assert.equal(await mayRead('readers'), false);
    assert.equal(await mayRead('readers-2'), true);
  });

  it('objects whose names differ only by case are both kept when both are named', async () => {
    const both = await apply([role('secrets-reader', 'secrets'), role('Secrets-Reader', 'secrets'), binding('x', 'g', 'secrets-reader'), binding('X', 'h', 'Secrets-Reader')], true);
    assert.equal(both.status, 200, JSON.stringify(both.json));
    const again = await apply([role('secrets-reader', 'secrets'), role('Secrets-Reader', 'secrets'), binding('x', 'g', 'secrets-reader'), binding('X', 'h', 'Secrets-Reader')], true);
    assert.equal(again.status, 200, JSON.stringify(again.json));
    assert.ok((again.json['changes'] as { action: string }[]).every((c) => c.action === 'unchanged'), JSON.stringify(again.json['changes']));
    assert.equal(await mayRead('g'), true);
    assert.equal(await mayRead('h'), true);
  });
});
