/**
 * Review jj, 3: a change made through an instance does not make it read and compile every resource policy again when
 * the change concerns none. Every write through the app (a user created, a policy attached, a revocation) ran
 * `resourcePolicies.invalidate()`, which forgot the change head the resource policies were loaded at, so the refresh
 * after the write read every resource policy and bucket owner of every account and compiled each again, on the
 * decisions' own thread. Stop 26 made the other instances skip that for changes that concern no resource policy; the
 * instance that made the change still paid it, once per write: a Terraform apply of 500 IAM resources through one
 * instance of a deployment with 2,000 bucket policies compiled a million documents. Now the write moves the version the
 * authorizer's caches key on, as before, and the refresh reads the change log as every other instance's does.
 *
 * An app on the real SQLite store, its read transactions counted by a wrapper: 200 resource policies, then a user
 * created and a managed policy attached; then a resource policy changed, which is read again and enforced at once.
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { createApp, type App, type AppDeps } from '../src/app/index.ts';
import type { Caller } from '../src/app/principals.ts';
import { RESOURCE_POLICY_PREFIX, resourcePolicyKey } from '../src/app/resource-policies.ts';
import type { ReadTx, Store } from '../src/app/ports/store.ts';

const ROOT = '000000000000';
const record = (bucket: string, effect: 'Allow' | 'Deny') =>
  JSON.stringify({ resource: `arn:aws:s3:::${bucket}`, account: ROOT, document: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: effect, Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` }] }), updated: '2026-12-06T00:00:00Z' });

describe('a write through an instance and its resource policies (review jj, 3)', () => {
  let dir = '';
  let store: Store;
  let app: App;
  let admin: Caller;
  /** Listings of every resource policy the app's reads made. */
  let listings = 0;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-jj3-'));
    const real = await openSqliteStore({ dataDir: dir });
    const counted = (tx: ReadTx): ReadTx => ({
      ...tx,
      kv: {
        ...tx.kv,
        list: (prefix, page) => {
          if (prefix === RESOURCE_POLICY_PREFIX) listings += 1;
          return tx.kv.list(prefix, page);
        },
      },
    });
    store = { ...real, read: (fn, o) => real.read((tx) => fn(counted(tx)), o), close: () => real.close() } as Store;
    const deps: AppDeps = { store, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKeyFromBytes(randomBytes(32))), sessions: sessionCrypto };
    app = createApp(deps, { audit: { enabled: false } });
    await app.start();
    const creds = await app.bootstrap();
    assert.ok(creds);
    const signedIn = await app.authenticate(creds.AccessKeyId);
    assert.ok(signedIn.ok);
    admin = signedIn.value.caller;
    await real.write(async (tx) => {
      for (let i = 0; i < 200; i++) await tx.kv.put(resourcePolicyKey(`arn:aws:s3:::bucket-${i}`), record(`bucket-${i}`, 'Allow'));
    });
    await app.refresh();
    assert.equal(app.resourcePolicies.forResource('arn:aws:s3:::bucket-7/k').policies.length, 1);
  });
  after(async () => {
    await app?.audit.stop();
    await store?.close();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('a user created and a policy attached read no resource policy again', async () => {
    listings = 0;
    assert.ok((await app.directory.createUser(admin, { userName: 'alice' })).ok);
    assert.ok((await app.directory.attachPolicy(admin, 'user', { name: 'alice', policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' })).ok);
    assert.equal(listings, 0, `the instance read every resource policy again ${listings} time(s) for two writes that concern none`);
  });

  it('a resource policy changed through the instance is read again and in force when the write returns', async () => {
    listings = 0;
    const before = app.resourcePolicies.version;
    // Through the app's store, as the S3 gateway and `apply` write one: its write reloads before it returns.
    await app.deps.store.write(async (tx) => {
      await tx.kv.put(resourcePolicyKey('arn:aws:s3:::bucket-7'), record('bucket-7', 'Deny'));
    });
    assert.ok(app.resourcePolicies.version > before);
    assert.equal(listings, 1);
    assert.equal(app.resourcePolicies.forResource('arn:aws:s3:::bucket-7/k').policies[0]?.statements[0]?.effect, 'Deny');
  });
});
