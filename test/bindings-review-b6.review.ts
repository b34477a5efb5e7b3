/**
 * Review B6: a workspace deleted and created again under its name inherits the IAM policies of the old one
 * (`workspace/<name>` and the workspace's ARN): `roles/ml.developer` granted to alice on the deleted `vision` answered
 * Allow for training:CreateJob on the new `vision`, and a binding there reaches the new workspace's default bucket.
 * `removeWorkspaceIamPolicies` (src/app/bindings.ts) removes them, keeping their revisions (no etag of before comes
 * back), called in the transaction that deletes a workspace (src/app/jobs.ts `deleteWorkspace`, and `apply --prune`
 * through the Workspace kind's `onDelete`). On an app over SQLite in a temporary directory.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App, type Caller } from '../src/app/index.ts';
import { applyConfig } from '../src/app/apply.ts';
import { removeWorkspaceIamPolicies } from '../src/app/bindings.ts';
import type { Store } from '../src/app/ports/store.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';

const A = '000000000000';
const WS_ARN = `arn:aws:training::${A}:workspace/vision`;
let dir: string;
let store: Store;
let app: App;
let admin: Caller;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-bindings-b6-'));
  store = await openSqliteStore({ dataDir: dir });
  app = createApp({ store, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKeyFromBytes(randomBytes(32))), sessions: sessionCrypto });
  await app.start();
  const creds = await app.bootstrap();
  assert.ok(creds);
  const who = await app.authenticate(creds.AccessKeyId);
  assert.ok(who.ok);
  admin = who.value.caller;
  assert.ok((await app.directory.createUser(admin, { userName: 'alice' })).ok);
});
after(async () => {
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

const WORKSPACE = [{ apiVersion: 'gatehouse.dev/v1', kind: 'Workspace', metadata: { name: 'vision' }, spec: { members: [] } }];

async function workspaceWithPolicies(): Promise<{ wsEtag: string }> {
  const applied = await applyConfig(app.deps, admin, { documents: WORKSPACE });
  assert.ok(applied.ok, JSON.stringify(applied));
  const ws = await app.bindings.setPolicy(admin, { resource: 'workspace/vision', bindings: [{ role: 'roles/ml.developer', members: ['user:alice'] }] });
  assert.ok(ws.ok, ws.ok ? '' : ws.errors[0]?.message);
  const arn = await app.bindings.setPolicy(admin, { resource: WS_ARN, bindings: [{ role: 'roles/ml.viewer', members: ['user:alice'] }] });
  assert.ok(arn.ok, arn.ok ? '' : arn.errors[0]?.message);
  return { wsEtag: ws.value.etag };
}

async function bindingsOf(resource: string): Promise<{ bindings: readonly unknown[]; etag: string }> {
  const r = await app.bindings.getPolicy(admin, resource);
  // No policy: a resource not there answers NoSuchEntity (404) since review jg, 2.
  if (!r.ok && r.errors[0]?.code === 'NO_SUCH_ENTITY') return { bindings: [], etag: '' };
  assert.ok(r.ok, r.ok ? '' : r.errors[0]?.message);
  return r.value;
}

test('removeWorkspaceIamPolicies removes the policies of a workspace and its ARN, and no old etag comes back', async () => {
  const { wsEtag } = await workspaceWithPolicies();
  const removed = await store.write((tx) => removeWorkspaceIamPolicies(tx, A, 'vision'));
  assert.deepEqual(removed.sort(), [WS_ARN, 'workspace/vision'].sort());
  await app.bindings.refresh();
  assert.deepEqual((await bindingsOf('workspace/vision')).bindings, []);
  assert.deepEqual((await bindingsOf(WS_ARN)).bindings, []);
  assert.notEqual((await bindingsOf('workspace/vision')).etag, wsEtag);
  // Another account's workspace of the same name is not touched.
  assert.deepEqual(await store.write((tx) => removeWorkspaceIamPolicies(tx, '111122223333', 'vision')), []);
});

test('deleting a workspace removes its IAM policies', async () => {
  await workspaceWithPolicies();
  assert.ok(await store.write((tx) => app.jobs.deleteWorkspace(tx, A, 'vision')));
  await app.bindings.refresh();
  assert.deepEqual((await bindingsOf('workspace/vision')).bindings, []);
  assert.deepEqual((await bindingsOf(WS_ARN)).bindings, []);
});

test('apply --prune of a workspace removes its IAM policies, and the workspace applied again has none', async () => {
  await workspaceWithPolicies();
  // Pruned: the documents hold workspaces, but no longer this one (prune takes the kinds the documents hold).
  const pruned = await applyConfig(app.deps, admin, { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Workspace', metadata: { name: 'other' }, spec: { members: [] } }], prune: true });
  assert.ok(pruned.ok, JSON.stringify(pruned));
  assert.ok(pruned.value.changes.some((c) => c.action === 'delete' && c.kind === 'Workspace' && c.name === 'vision'), JSON.stringify(pruned.value.changes));
  await app.bindings.refresh();
  assert.deepEqual((await bindingsOf('workspace/vision')).bindings, []);
  assert.deepEqual((await bindingsOf(WS_ARN)).bindings, []);
  const again = await applyConfig(app.deps, admin, { documents: WORKSPACE });
  assert.ok(again.ok, JSON.stringify(again));
  await app.bindings.refresh();
  assert.deepEqual((await bindingsOf('workspace/vision')).bindings, []);
});
