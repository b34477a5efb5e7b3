/**
 * Review Y, Y5: `audit verify` walked the chain from the checkpoint to the head row only, so with the head row moved
 * back (to record N-3) and records N-2…N left in the table (still served by `audit query`), it reported "intact:
 * records 1…N-3". Now rows beyond the head are a break (`beyond`: the head was moved back), exit 1; once the head is
 * put back the log verifies intact again.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { cliAgainst as cli, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const conn = (s: TestServer, credentials: Credentials): Connection => ({ endpoint: new URL(s.url), credentials, region: 'us-east-1', credentialsSource: 'test' });

describe('review Y5: rows beyond the head', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    for (let i = 0; i < 5; i++) assert.ok((await call(conn(s, s.admin), 'POST', ['users'], { body: { name: `y5-${i}` } })).ok);
    await s.running.app.audit.flush();
  });
  after(async () => {
    await s.stop();
  });

  it('the head row moved back with the records after it left in place: broken (beyond), not intact', async () => {
    const db = new DatabaseSync(join(s.dataDir, 'gatehouse.db'), { timeout: 5000 });
    try {
      const head = db.prepare('SELECT seq, hash FROM audit_head WHERE id = 1').get() as { seq: number; hash: string };
      const back = head.seq - 3;
      db.prepare('UPDATE audit_head SET seq = ?, hash = (SELECT hash FROM audit_log WHERE seq = ?) WHERE id = 1').run(back, back);
      const r = await cli(s, ['audit', 'verify', '--json']);
      assert.equal(r.status, 1, r.out);
      const report = JSON.parse(r.out) as { ok: boolean; head: { seq: number }; broken?: { seq: number; reason: string; message: string } };
      assert.equal(report.ok, false);
      assert.equal(report.head.seq, back);
      assert.deepEqual([report.broken?.seq, report.broken?.reason], [back + 1, 'beyond']);
      assert.match(report.broken?.message ?? '', new RegExp(`records ${back + 1}–${head.seq} lie beyond the chain's head \\(record ${back}\\): the head was moved back`));
      const text = await cli(s, ['audit', 'verify']);
      assert.equal(text.status, 1);
      assert.match(text.out, /audit log BROKEN at record \d+ \(beyond\)/);
      db.prepare('UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1').run(head.seq, head.hash);
      const restored = await cli(s, ['audit', 'verify']);
      assert.equal(restored.status, 0, restored.out);
    } finally {
      db.close();
    }
  });
});
