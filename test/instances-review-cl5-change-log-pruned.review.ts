/**
 * Review cl, 5 (noticed by cn): the change log (`changes`) was never pruned. Every write appends a row to it (a job's
 * heartbeat and events, a scoped session's record, each directory change), so the table grew for as long as the
 * deployment ran. Now each instance prunes the changes more than CHANGES_KEPT behind the head every hour
 * (`pruneChangeLog`, run by `followChanges`), and every reader of the log checks that what it reads goes on from the
 * head it had (sequence numbers are gap-free): an instance behind the pruned part loads everything instead of taking
 * the changes left for all there were. Without that check, an instance that had not refreshed read the last few
 * changes, took them for the whole story, and never learnt of the users and the resource policy made before them.
 *
 * Two apps on one SQLite store; B follows no changes by itself, as in the moment before its refresh.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { createApp, type AppDeps } from '../src/app/index.ts';
import { CHANGES_KEPT, pruneChangeLog } from '../src/app/change-log.ts';
import { userKey } from '../src/app/live.ts';
import { ResourcePolicies } from '../src/app/resource-policies.ts';

const ACCOUNT = '000000000000';
const BUCKET = 'arn:aws:s3:::cl5-data';

describe('review cl5: the change log is pruned, and a reader behind the pruned part loads everything', () => {
  it('B, behind by 21 changes of which 16 are pruned, learns every user and the resource policy', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cl5-'));
    const store = await openSqliteStore({ dataDir: dir });
    try {
      const key = masterKeyFromBytes(randomBytes(32));
      const deps: AppDeps = { store, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(key), sessions: sessionCrypto };
      const a = createApp(deps, { audit: { enabled: false } });
      const b = createApp(deps, { audit: { enabled: false } });
      await a.start();
      const creds = await a.bootstrap();
      assert.ok(creds);
      await b.start();
      const signedIn = await a.authenticate(creds.AccessKeyId);
      assert.ok(signedIn.ok);
      const admin = signedIn.value.caller;

      // What B has not heard of yet: a resource policy, then twenty users.
      const document = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 's3:GetObject', Resource: `${BUCKET}/*` }] });
      const put = await store.write((tx) => ResourcePolicies.put(deps, tx, { resource: BUCKET, account: ACCOUNT, document }));
      assert.ok(put.ok, JSON.stringify(put));
      for (let i = 0; i < 20; i++) assert.ok((await a.directory.createUser(admin, { userName: `cl5-u${i}` })).ok);

      const head = await store.read((tx) => tx.changes.head());
      const pruned = await pruneChangeLog(store, 5);
      assert.ok(pruned >= 16, `pruned ${pruned}`);
      const left = await store.read((tx) => tx.changes.since(0, 1000));
      assert.deepEqual(left.map((c) => c.seq), [head - 4, head - 3, head - 2, head - 1, head]);
      // Pruning again deletes nothing more.
      assert.equal(await pruneChangeLog(store, 5), 0);

      await b.refresh();
      assert.equal(b.live.head, head);
      for (let i = 0; i < 20; i++) assert.ok(b.live.principals.has(userKey(ACCOUNT, `cl5-u${i}`)), `B knows cl5-u${i}`);
      assert.ok(b.resourcePolicies.get(BUCKET) !== undefined, 'B holds the resource policy');
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps far more than any reader reads before loading everything (50 pages of 1,000)', () => {
    assert.ok(CHANGES_KEPT >= 4 * 50 * 1000);
  });
});
