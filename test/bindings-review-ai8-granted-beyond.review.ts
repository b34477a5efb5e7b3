/**
 * Review ai, 8: who-can (the auditor's "who can reach this resource") asks about every user and role of the asker's
 * account, so a binding to `allUsers` (anyone, unauthenticated too), `allAuthenticatedUsers` (every account's
 * principals), another account's `serviceAccount:` or a `principal://` subject never showed in its answer: a model
 * open to the world read as open to the account. `bindings.grantedBeyond` lists those bindings (those whose role holds
 * the permission and whose condition holds now; none for an asker of another account); src/app/who-can.ts reports
 * them through the patch in notes/review-ai.md. App over a real SQLite store.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App, type Caller } from '../src/app/index.ts';
import type { Store } from '../src/app/ports/store.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { oidcPort } from '../src/adapters/http/oidc.ts';
import { exportJWK, generateKeyPair } from 'jose';

const A = '000000000000';
const MODEL = `arn:aws:training::${A}:model/m8`;
let dir: string;
let store: Store;
let app: App;
let admin: Caller;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-bindings-ai8-'));
  store = await openSqliteStore({ dataDir: dir });
  app = createApp({ store, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKeyFromBytes(randomBytes(32))), sessions: sessionCrypto, oidc: oidcPort });
  await app.start();
  const creds = await app.bootstrap();
  assert.ok(creds);
  const who = await app.authenticate(creds.AccessKeyId);
  assert.ok(who.ok);
  admin = who.value.caller;
  assert.ok((await app.directory.createUser(admin, { userName: 'hal' })).ok);
  // The provider the principal:// members name is registered (review dp, 1), its keys inline.
  const jwk = await exportJWK((await generateKeyPair('ES256')).publicKey);
  const provider = await app.oidc.createProvider(admin, { url: 'https://issuer.example', clientIds: ['sts.amazonaws.com'], jwks: JSON.stringify({ keys: [{ ...jwk, kid: 'k1', alg: 'ES256', use: 'sig' }] }) });
  assert.ok(provider.ok, provider.ok ? '' : provider.errors[0]?.message);
  const set = await app.bindings.setPolicy(admin, {
    resource: MODEL,
    bindings: [
      { role: 'roles/ml.viewer', members: ['allUsers', 'user:hal'] },
      { role: 'roles/ml.developer', members: ['principal://iam.gatehouse.dev/accounts/000000000000/oidc-providers/issuer.example/subject/old'], condition: { title: 'expired', expression: 'request.time < timestamp("2001-01-01T00:00:00Z")' } },
      { role: 'roles/ml.developer', members: ['principal://iam.gatehouse.dev/accounts/000000000000/oidc-providers/issuer.example/subject/ci'] },
    ],
  });
  assert.ok(set.ok, set.ok ? '' : set.errors[0]?.message);
});
after(async () => {
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

test('bindings to allUsers and to a principal:// subject are granted beyond the account; user:hal is not', () => {
  assert.deepEqual(app.bindings.grantedBeyond(A, 'training:GetModel', MODEL, Date.now()), [
    { member: 'allUsers', policy: MODEL, index: 0, role: 'roles/ml.viewer', conditional: false, conditions: [] },
    { member: 'principal://iam.gatehouse.dev/accounts/000000000000/oidc-providers/issuer.example/subject/ci', policy: MODEL, index: 2, role: 'roles/ml.developer', conditional: false, conditions: [] },
  ]);
});

test('a condition false now, or a role without the permission, grants nothing beyond; the bindings spelling asks the same', () => {
  assert.deepEqual(app.bindings.grantedBeyond(A, 'ml.models.predict', MODEL, Date.now()).map((g) => g.member), ['principal://iam.gatehouse.dev/accounts/000000000000/oidc-providers/issuer.example/subject/ci']);
  assert.deepEqual(app.bindings.grantedBeyond(A, 'training:UpdateModel', MODEL, Date.now()), []);
  // In 2000 the condition held: the subject `old` had predict too (GCP takes no condition on allAuthenticatedUsers).
  assert.deepEqual(app.bindings.grantedBeyond(A, 'ml.models.predict', MODEL, Date.parse('2000-06-01T00:00:00Z')).map((g) => g.member), ['principal://iam.gatehouse.dev/accounts/000000000000/oidc-providers/issuer.example/subject/old', 'principal://iam.gatehouse.dev/accounts/000000000000/oidc-providers/issuer.example/subject/ci']);
});

test('an asker of another account is told nothing of this account\'s bindings', () => {
  assert.deepEqual(app.bindings.grantedBeyond('111122223333', 'training:GetModel', MODEL, Date.now()), []);
});
