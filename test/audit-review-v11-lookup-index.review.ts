/**
 * Review V, P1 (fixed at integration): the filter index that `audit query --principal/--role/--job` and every
 * account's own reads go through (`audit_lookup`, migration 4) is not in the hash chain. Deleting a principal's rows
 * from it hid that principal's records from filtered queries, and moving its filled mark ahead hid every record after
 * it, while `gatehouse audit verify` answered intact. Now verify compares the index with the records the chain holds
 * up to its mark and reports a `lookup` break. A real server on SQLite, the CLI's program in this process
 * (test/support/gatehouse-cli.ts), sqlite edits of its database.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const MALLORY = `arn:aws:iam::${ACCT}:user/mallory`;
let s: TestServer;

before(async () => {
  s = await startTestServer();
  const app = s.running.app;
  // Past the index's fill step (4,096 records), one of them mallory's denial.
  for (let i = 0; i < 4_200; i++) {
    app.audit.record({ kind: 'decision', account: ACCT, principal: i === 77 ? MALLORY : `arn:aws:iam::${ACCT}:user/u${i % 5}`, action: i === 77 ? 'iam:DeleteRole' : 's3:GetObject', resource: 'arn:aws:s3:::b/k', decision: i === 77 ? 'ExplicitDeny' : 'ImplicitDeny', detail: {} });
  }
  assert.ok(await app.audit.flush());
});
after(async () => {
  await s?.stop();
});

const verify = () => gatehouseCliInProcess(['audit', 'verify', '--json'], s.admin, { endpoint: s.url, home: s.dataDir });

test('verify reports entries deleted from the filter index, and its mark moved ahead', async () => {
  const clean = await verify();
  assert.equal(clean.code, 0, clean.stdout + clean.stderr);
  const db = new DatabaseSync(join(s.dataDir, 'gatehouse.db'), { timeout: 5000 });
  try {
    db.prepare('DELETE FROM audit_lookup WHERE lookup = ?').run(`p:${MALLORY}`);
    const hidden = await verify();
    assert.equal(hidden.code, 1, hidden.stdout + hidden.stderr);
    assert.match(hidden.stdout, /"reason": "lookup"[^]*the filter index does not match the records up to record \d+: 1 entry is missing/);
    // Put back as it was: the log verifies again.
    const seq = db.prepare("SELECT seq FROM audit_log WHERE principal = ?").get(MALLORY) as { seq: number };
    db.prepare('INSERT INTO audit_lookup (lookup, seq) VALUES (?, ?)').run(`p:${MALLORY}`, seq.seq);
    assert.equal((await verify()).code, 0);
    db.prepare('UPDATE audit_lookup_head SET seq = ? WHERE id = 1').run(1_000_000_000_000);
    const ahead = await verify();
    assert.equal(ahead.code, 1, ahead.stdout + ahead.stderr);
    assert.match(ahead.stdout, /the filter index is marked filled up to record 1000000000000, past the chain's head/);
  } finally {
    db.close();
  }
});
