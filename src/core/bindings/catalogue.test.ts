import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { KNOWN_PERMISSIONS, PREDEFINED_ROLES, predefinedPermissions, predefinedRole } from './catalogue.ts';
import { ACTION_PERMISSIONS, permissionForKubernetes, RELATED_ACTION_PERMISSIONS } from './actions.ts';
import { PERMISSION, PREDEFINED_ROLE } from './names.ts';

const perms = (name: string): ReadonlySet<string> => {
  const p = predefinedPermissions(name);
  assert.ok(p !== undefined, `${name} is in the catalogue`);
  return p;
};
const subset = (a: ReadonlySet<string>, b: ReadonlySet<string>): string[] => [...a].filter((x) => !b.has(x));

test('every file of roles/ is in the catalogue, under its own name', () => {
  const files = readdirSync(new URL('./roles/', import.meta.url)).filter((f) => f.endsWith('.json')).sort();
  assert.deepEqual(files, PREDEFINED_ROLES.map((r) => `${r.name.slice('roles/'.length)}.json`).sort());
});

test('the roles the issue names are there', () => {
  for (const r of ['roles/container.clusterViewer', 'roles/ml.developer', 'roles/storage.objectViewer', 'roles/storage.objectAdmin', 'roles/iam.serviceAccountUser', 'roles/owner', 'roles/editor', 'roles/viewer']) {
    assert.ok(predefinedRole(r) !== undefined, r);
  }
});

test('golden role files are well-formed: names, titles, sorted unique permissions', () => {
  for (const r of PREDEFINED_ROLES) {
    assert.match(r.name, PREDEFINED_ROLE, r.name);
    assert.ok(r.title.length > 0 && r.title.length <= 100, r.name);
    assert.ok(r.description.length > 0 && r.description.length <= 256, r.name);
    assert.equal(r.stage, 'GA');
    assert.ok(r.includedPermissions.length > 0, r.name);
    assert.deepEqual([...r.includedPermissions], [...new Set(r.includedPermissions)].sort(), `${r.name}: permissions sorted and unique`);
    for (const p of r.includedPermissions) assert.match(p, PERMISSION, `${r.name}: ${p}`);
  }
});

test('owner holds every permission; editor and viewer are nested inside it', () => {
  const owner = perms('roles/owner');
  const editor = perms('roles/editor');
  const viewer = perms('roles/viewer');
  for (const r of PREDEFINED_ROLES) assert.deepEqual(subset(perms(r.name), owner), [], `${r.name} ⊆ owner`);
  assert.deepEqual(subset(viewer, editor), [], 'viewer ⊆ editor');
  assert.equal(KNOWN_PERMISSIONS, owner);
});

test('basic roles: viewer reads, editor writes, only owner sets IAM policies and acts as service accounts', () => {
  const viewer = perms('roles/viewer');
  const editor = perms('roles/editor');
  const owner = perms('roles/owner');
  for (const p of viewer) assert.match(p, /\.(get|list|getIamPolicy|getCredentials|getLogs)$/, p);
  assert.ok(!viewer.has('container.secrets.get'), 'viewers do not read Kubernetes secrets');
  for (const p of owner) if (p.endsWith('.setIamPolicy')) assert.ok(!editor.has(p), `editor must not have ${p}`);
  assert.ok(!editor.has('iam.serviceAccounts.actAs') && owner.has('iam.serviceAccounts.actAs'));
  assert.ok(editor.has('ml.models.update') && editor.has('storage.objects.delete'));
});

test('predefined roles grant what their names say', () => {
  const has = (role: string, p: string): boolean => perms(role).has(p);
  assert.ok(has('roles/container.clusterViewer', 'container.clusters.get') && has('roles/container.clusterViewer', 'container.clusters.list'));
  assert.ok(!has('roles/container.clusterViewer', 'container.clusters.update') && !has('roles/container.clusterViewer', 'container.clusters.delete'));
  assert.ok(has('roles/ml.developer', 'ml.jobs.create') && has('roles/ml.developer', 'ml.models.predict') && has('roles/ml.developer', 'ml.models.get'));
  assert.ok(!has('roles/ml.developer', 'ml.models.update') && !has('roles/ml.developer', 'ml.models.delete') && !has('roles/ml.developer', 'ml.models.setIamPolicy'));
  assert.ok(has('roles/storage.objectViewer', 'storage.objects.get') && !has('roles/storage.objectViewer', 'storage.objects.create'));
  assert.ok(has('roles/storage.objectAdmin', 'storage.objects.delete') && !has('roles/storage.objectAdmin', 'storage.buckets.delete'));
  assert.ok(has('roles/iam.serviceAccountUser', 'iam.serviceAccounts.actAs') && !has('roles/iam.serviceAccountUser', 'iam.serviceAccounts.getAccessToken'));
});

test('the service-account roles say what enforcement does: TokenCreator lets no one assume a role, and only the role\'s own account passes it (review N6)', () => {
  const creator = PREDEFINED_ROLES.find((r) => r.name === 'roles/iam.serviceAccountTokenCreator');
  const user = PREDEFINED_ROLES.find((r) => r.name === 'roles/iam.serviceAccountUser');
  assert.ok(creator && user);
  // STS decides AssumeRole by trust and identity policies only: no action maps to getAccessToken.
  assert.ok(!ACTION_PERMISSIONS.some(([, p]) => p === 'iam.serviceAccounts.getAccessToken'));
  assert.match(creator.description, /lets no one assume the role/);
  assert.match(user.description, /only principals of the role's own account can pass it/);
});

test('every permission the action table or the Kubernetes mapping names is in the catalogue', () => {
  for (const [action, p] of [...ACTION_PERMISSIONS, ...RELATED_ACTION_PERMISSIONS]) assert.ok(KNOWN_PERMISSIONS.has(p), `${action} → ${p}`);
  for (const verb of ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection']) {
    for (const resource of ['pods', 'deployments', 'jobs', 'services', 'configmaps', 'secrets', 'namespaces']) {
      const p = permissionForKubernetes({ verb, resource });
      if (p !== undefined) assert.ok(KNOWN_PERMISSIONS.has(p), `${verb} ${resource} → ${p}`);
    }
  }
  for (const sub of ['log', 'exec', 'attach', 'portforward']) {
    const p = permissionForKubernetes({ verb: 'create', resource: 'pods', subresource: sub });
    assert.ok(p !== undefined && KNOWN_PERMISSIONS.has(p), sub);
  }
});
