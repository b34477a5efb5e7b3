/**
 * The bindings side of the authorize API answers as enforcement does (review N), on an app over SQLite in a
 * temporary directory, with accounts A and B:
 *
 * - `sts:AssumeRole`: STS decides it by the role's trust policy and the caller's identity policies, never by
 *   bindings, so `roles/iam.serviceAccountTokenCreator` on the role allows nothing in the authorize API either;
 * - `iam:PassRole`: a binding of `roles/iam.serviceAccountUser` (to `allAuthenticatedUsers`, say) lets principals of
 *   the role's own account pass it, as job submission does, never a principal of another account, which job
 *   submission refuses ("a role of another account cannot be passed");
 * - `principal://…` members naming a registered OIDC provider are taken at write (the API and `gatehouse apply`):
 *   they name federated subjects (test/sts-web-identity.part.ts decides with one; review dp, 1 refuses a provider
 *   the account does not have);
 * - an empty etag is no etag (GCP reads proto3's default as absent): the write overwrites, through the API and apply.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App, type Caller } from '../src/app/index.ts';
import { applyConfig } from '../src/app/apply.ts';
import type { Store } from '../src/app/ports/store.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { oidcPort } from '../src/adapters/http/oidc.ts';
import { exportJWK, generateKeyPair } from 'jose';

const A = '111111111111';
const B = '222222222222';
const R1 = `arn:aws:iam::${A}:role/r1`;
const BOB = `arn:aws:iam::${A}:user/bob`;
const DAVE = `arn:aws:iam::${B}:user/dave`;
const TRUST_ACCOUNT = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole' }] });

let dir: string;
let store: Store;
let app: App;
let adminA: Caller;
let adminB: Caller;
let bob: Caller;

async function callerOf(accessKeyId: string): Promise<Caller> {
  const who = await app.authenticate(accessKeyId);
  assert.ok(who.ok, who.ok ? '' : who.errors[0]?.message);
  return who.value.caller;
}

async function must<T>(r: Promise<{ ok: true; value: T } | { ok: false; errors: readonly { message: string }[] }>): Promise<T> {
  const x = await r;
  assert.ok(x.ok, x.ok ? '' : x.errors.map((e) => e.message).join('; '));
  return x.value;
}

async function ask(principal: string, action: string, resource: string, context?: Record<string, string>): Promise<{ decision: string; reasons: readonly string[]; diagnostics: readonly string[] }> {
  return must(app.authorizer.authorize(adminA, { principal, action, resource, ...(context !== undefined ? { context } : {}) }));
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-bindings-enforcement-'));
  store = await openSqliteStore({ dataDir: dir });
  app = createApp({ store, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKeyFromBytes(randomBytes(32))), sessions: sessionCrypto, oidc: oidcPort });
  await app.start();
  const creds = await app.bootstrap();
  assert.ok(creds);
  const root = await callerOf(creds.AccessKeyId);
  adminA = await callerOf((await must(app.createAccount(root, { id: A, partition: 'aws' }))).AccessKeyId);
  adminB = await callerOf((await must(app.createAccount(root, { id: B, partition: 'aws' }))).AccessKeyId);
  await must(app.directory.createUser(adminA, { userName: 'bob' }));
  await must(app.directory.createUser(adminB, { userName: 'dave' }));
  await must(app.directory.createRole(adminA, { roleName: 'r1', assumeRolePolicyDocument: TRUST_ACCOUNT }));
  bob = await callerOf((await must(app.directory.createAccessKey(adminA, { userName: 'bob' }))).key.id);
  await app.refresh();
});

after(async () => {
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('bindings answer the authorize API as enforcement does (review N6)', () => {
  test('roles/iam.serviceAccountTokenCreator does not allow sts:AssumeRole, which STS refuses to a caller without an identity policy', async () => {
    await must(app.bindings.setPolicy(adminA, { resource: R1, bindings: [{ role: 'roles/iam.serviceAccountTokenCreator', members: ['user:bob'] }] }));
    const assumed = await app.sts.assumeRole(bob, { roleArn: R1, roleSessionName: 's1', policyArns: [], tags: [], transitiveTagKeys: [] });
    assert.ok(!assumed.ok, 'STS refuses: no identity policy of bob allows sts:AssumeRole');
    const a = await ask(BOB, 'sts:AssumeRole', R1);
    assert.notEqual(a.decision, 'Allow', JSON.stringify(a));
    assert.ok(!a.reasons.some((r) => r.includes('serviceAccountTokenCreator')), JSON.stringify(a));
  });

  test('roles/iam.serviceAccountUser to allAuthenticatedUsers lets the role\'s own account pass it, never another account\'s principal', async () => {
    await must(app.bindings.setPolicy(adminA, { resource: R1, bindings: [{ role: 'roles/iam.serviceAccountUser', members: ['user:bob', 'allAuthenticatedUsers'] }] }));
    const context = { 'iam:PassedToService': 'training.gatehouse.dev' };
    const own = await ask(BOB, 'iam:PassRole', R1, context);
    assert.equal(own.decision, 'Allow', JSON.stringify(own));
    assert.equal(app.bindings.actAs(bob, R1).allowed, true);
    const other = await ask(DAVE, 'iam:PassRole', R1, context);
    assert.equal(other.decision, 'ImplicitDeny', JSON.stringify(other));
    assert.ok(other.diagnostics.some((d) => d.includes('a role of another account cannot be passed')), JSON.stringify(other));
    // Asked as the permission itself, and through actAs (what job submission would ask, had it not refused first).
    assert.equal((await ask(DAVE, 'iam.serviceAccounts.actAs', R1)).decision, 'ImplicitDeny');
    const act = app.bindings.actAs(adminB, R1);
    assert.equal(act.allowed, false);
    assert.match(act.reason, /a role of another account cannot be passed/);
  });
});

describe('members and etags at write', () => {
  test('a principal:// member is taken through the API and apply, as the issue lists it among members', async () => {
    const member = `principal://iam.gatehouse.dev/accounts/${A}/oidc-providers/idp.example.com/subject/system:serviceaccount:ml:trainer`;
    // The provider it names is registered (keys given inline: the issuer is not reached).
    const jwk = await exportJWK((await generateKeyPair('ES256')).publicKey);
    await must(app.oidc.createProvider(adminA, { url: 'https://idp.example.com', clientIds: ['sts.amazonaws.com'], jwks: JSON.stringify({ keys: [{ ...jwk, kid: 'k1', alg: 'ES256', use: 'sig' }] }) }));
    const set = await must(app.bindings.setPolicy(adminA, { resource: R1, bindings: [{ role: 'roles/iam.serviceAccountUser', members: ['user:bob', member] }] }));
    assert.deepEqual(set.bindings, [{ role: 'roles/iam.serviceAccountUser', members: ['user:bob', member] }]);
    const applied = await applyConfig(app.deps, adminA, {
      documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name: 'fed' }, spec: { resource: `arn:aws:training::${A}:model/m`, bindings: [{ role: 'roles/ml.viewer', members: [member] }] } }],
      dryRun: false,
      sources: [{ file: 'fed.yaml', index: 0 }],
    });
    assert.ok(applied.ok, applied.ok ? '' : applied.errors.map((e) => e.message).join('; '));
    // Bob is no federated subject: the member does not make him one.
    assert.equal((await ask(BOB, 'training:GetModel', `arn:aws:training::${A}:model/m`)).decision, 'ImplicitDeny');
  });

  test('an empty etag is no etag: the write overwrites, through the API and apply', async () => {
    const resource = `arn:aws:training::${A}:model/etag-empty`;
    const first = await must(app.bindings.setPolicy(adminA, { resource, bindings: [{ role: 'roles/ml.viewer', members: ['user:bob'] }] }));
    const second = await must(app.bindings.setPolicy(adminA, { resource, bindings: [{ role: 'roles/ml.developer', members: ['user:bob'] }], etag: '' }));
    assert.notEqual(second.etag, first.etag);
    assert.deepEqual(second.bindings, [{ role: 'roles/ml.developer', members: ['user:bob'] }]);
    const applied = await applyConfig(app.deps, adminA, {
      documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name: 'etag-empty' }, spec: { resource, bindings: [{ role: 'roles/ml.viewer', members: ['user:bob'] }], etag: '' } }],
      dryRun: false,
      sources: [{ file: 'p.yaml', index: 0 }],
    });
    assert.ok(applied.ok, applied.ok ? '' : applied.errors.map((e) => e.message).join('; '));
    const read = await must(app.bindings.getPolicy(adminA, resource));
    assert.deepEqual(read.bindings, [{ role: 'roles/ml.viewer', members: ['user:bob'] }]);
  });
});
