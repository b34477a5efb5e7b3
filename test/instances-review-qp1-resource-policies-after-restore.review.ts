/**
 * Review qp, 1: a database restored from a backup under a running instance takes away, on that instance too, the
 * resource policies (bucket policies, `ResourcePolicy`) and bucket owners written after the backup. The restore puts
 * the change head back; the refresh read every resource policy again, but `ResourcePolicies.load` dropped a load of a
 * head below the one in place (meant for overlapping loads, which the serial reload never runs), so the instance kept
 * deciding with the policies compiled from the later state — a grant the restore took away went on allowing (and a
 * deny added since the backup went on denying) until the head passed its old value again, while the directory, the
 * bindings and the RBAC beside it were reloaded from the restored database (reviews jj, 4 and hi, 1).
 *
 * An app on the real SQLite store; the restore is made with a second connection to its file: the records and the
 * changes after the backup removed, the head put back, as review hi, 1 does.
 * Before the fix 2 of 2 tests failed.
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
import { BUCKET_OWNER_PREFIX, resourcePolicyKey } from '../src/app/resource-policies.ts';

const record = bucketPolicyRecord;

describe('resource policies after a restore (review qp, 1)', () => {
  let dir = '';
  let store: SqliteStore;
  let app: App;
  /** The change head of the backup. */
  let back = 0;

  /** Puts the database back to the backup: the kv rows written after it and its changes removed, the head put back. */
  const restore = () =>
    restoreBackup(store.file, back, (db) => {
      db.prepare('DELETE FROM kv WHERE kv_key IN (?, ?)').run(resourcePolicyKey('arn:aws:s3:::after-backup'), `${BUCKET_OWNER_PREFIX}after-backup`);
      db.prepare('UPDATE kv SET kv_value = ? WHERE kv_key = ?').run(record('kept', 'Allow'), resourcePolicyKey('arn:aws:s3:::kept'));
    });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-qp1-'));
    store = await openSqliteStore({ dataDir: dir });
    const deps: AppDeps = { store, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKeyFromBytes(randomBytes(32))), sessions: sessionCrypto };
    app = createApp(deps, { audit: { enabled: false } });
    await app.start();
    await store.write(async (tx) => tx.kv.put(resourcePolicyKey('arn:aws:s3:::kept'), record('kept', 'Allow')));
    await app.refresh();
    back = app.live.head;
    // After the backup: a grant on a new bucket, its owner, and the other bucket's grant turned into a deny.
    await store.write(async (tx) => {
      await tx.kv.put(resourcePolicyKey('arn:aws:s3:::after-backup'), record('after-backup', 'Allow'));
      await tx.kv.put(`${BUCKET_OWNER_PREFIX}after-backup`, JSON.stringify({ account: ROOT }));
      await tx.kv.put(resourcePolicyKey('arn:aws:s3:::kept'), record('kept', 'Deny'));
    });
    await app.refresh();
    assert.equal(app.resourcePolicies.forResource('arn:aws:s3:::after-backup/k').policies.length, 1);
    assert.equal(app.resourcePolicies.forResource('arn:aws:s3:::kept/k').policies[0]?.statements[0]?.effect, 'Deny');
    restore();
    await app.refresh();
    assert.ok(app.live.restores > 0, 'the directory saw the restore');
  });
  after(async () => {
    await app?.audit.stop();
    await store?.close();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('a bucket policy written after the backup no longer grants', () => {
    assert.equal(app.resourcePolicies.forResource('arn:aws:s3:::after-backup/k').policies.length, 0, 'the restore took the policy away, the instance kept enforcing it');
    assert.equal(app.resourcePolicies.gatewayBucketOwner('after-backup'), undefined);
  });

  it('a policy changed after the backup is enforced as the backup holds it', () => {
    assert.equal(app.resourcePolicies.forResource('arn:aws:s3:::kept/k').policies[0]?.statements[0]?.effect, 'Allow');
  });
});
