/**
 * Review qp, 2: a database restored from a backup under a running instance is taken for one whatever the head has
 * grown to when the instance next reads it. An instance told a restore from a change head below the one it last read
 * (reviews jj, 4, hi, 1, kq, 2); when more changes were committed after the restore (through another instance, the
 * jobs' heartbeats) than the restore took away before this instance refreshed (it was cut off from the database while
 * the restore ran, or its notifications were lost), the head had passed its old value: it read only the changes past
 * that value, as if those below it were the ones it had applied. So it kept what the restore took away (a user made
 * after the backup, a bucket policy's or an IAM policy's grant), and never learnt the changes made after the restore under numbers it had
 * passed (a deny written through another instance), until something else touched them. Now each state remembers the
 * change at its head and a reload that finds another one there (a log rewritten under it) loads everything, as after
 * a head that went back.
 *
 * An app on the real SQLite store; the restore is made with a second connection to its file (the rows and changes
 * after the backup removed, the head put back, as review hi, 1 does), then changes through another connection on the
 * file, past the app's old head, before it refreshes.
 * Before the fix 5 of 5 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore, type SqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { bucketPolicyRecord, restoreBackup, ROOT } from './support/restored-file.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { createApp, type App, type AppDeps } from '../src/app/index.ts';
import { resourcePolicyKey } from '../src/app/resource-policies.ts';
import { userKey } from '../src/app/live.ts';

const record = bucketPolicyRecord;

describe('a restore the head has grown past (review qp, 2)', () => {
  let dir = '';
  let store: SqliteStore;
  /** Another connection to the file: another instance's writes, which this app does not hear. */
  let other: SqliteStore;
  let app: App;
  /** The change head of the backup. */
  let back = 0;

  const restore = () =>
    restoreBackup(store.file, back, (db) => {
      db.prepare("DELETE FROM kv WHERE kv_key = ? OR kv_key LIKE 'job/qp2-%'").run(resourcePolicyKey('arn:aws:s3:::after-backup'));
      db.prepare("DELETE FROM users WHERE name = 'made-after-backup'").run();
      db.prepare("DELETE FROM kv WHERE kv_key LIKE 'iampolicy/%'").run();
    });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-qp2-'));
    store = await openSqliteStore({ dataDir: dir });
    other = await openSqliteStore({ dataDir: dir });
    const deps: AppDeps = { store, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKeyFromBytes(randomBytes(32))), sessions: sessionCrypto };
    app = createApp(deps, { audit: { enabled: false } });
    await app.start();
    const creds = await app.bootstrap();
    assert.ok(creds);
    const signedIn = await app.authenticate(creds.AccessKeyId);
    assert.ok(signedIn.ok);
    const admin = signedIn.value.caller;
    await app.refresh();
    back = app.live.head;
    // After the backup: a user, a bucket policy's grant and a few jobs' heartbeats, all applied by the app.
    assert.ok((await app.directory.createUser(admin, { userName: 'made-after-backup' })).ok);
    // A user of the account as member: review ra, 1 refuses `allAuthenticatedUsers` (this test's member before) on an account.
    assert.ok((await app.bindings.setPolicy(admin, { resource: `account/${ROOT}`, bindings: [{ role: 'roles/viewer', members: ['user:made-after-backup'] }] })).ok);
    await other.write(async (tx) => {
      await tx.kv.put(resourcePolicyKey('arn:aws:s3:::after-backup'), record('after-backup', 'Allow'));
      for (let i = 0; i < 3; i++) await tx.kv.put(`job/qp2-${i}`, '{}');
    });
    await app.refresh();
    const old = app.live.head;
    assert.ok(app.live.principals.get(userKey(ROOT, 'made-after-backup')) !== undefined);
    assert.equal(app.resourcePolicies.forResource('arn:aws:s3:::after-backup/k').policies.length, 1);
    restore();
    // After the restore, through another instance: a deny, then heartbeats past the app's old head.
    await other.write(async (tx) => tx.kv.put(resourcePolicyKey('arn:aws:s3:::after-restore'), record('after-restore', 'Deny')));
    while ((await other.read((tx) => tx.changes.head())) <= old) await other.write(async (tx) => tx.kv.put(`job/qp2-x`, `{"n":${Date.now()}}`));
    await app.refresh();
  });
  after(async () => {
    await app?.audit.stop();
    await other?.close();
    await store?.close();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('the instance counts it a restore', () => {
    assert.ok(app.live.restores > 0, 'no restore seen');
  });

  it('a user the restore took away is gone from the instance', () => {
    assert.equal(app.live.principals.get(userKey(ROOT, 'made-after-backup')), undefined, 'the instance still holds a user the database no longer has');
  });

  it('a bucket policy the restore took away no longer grants', () => {
    assert.equal(app.resourcePolicies.forResource('arn:aws:s3:::after-backup/k').policies.length, 0);
  });

  it('an IAM policy (bindings) the restore took away no longer grants', () => {
    assert.equal(app.bindings.held(ROOT, `account/${ROOT}`), undefined);
  });

  it('a deny written through another instance after the restore is in force', () => {
    assert.equal(app.resourcePolicies.forResource('arn:aws:s3:::after-restore/k').policies[0]?.statements[0]?.effect, 'Deny', 'a change made after the restore, under a number the instance had passed, never reached it');
  });
});
