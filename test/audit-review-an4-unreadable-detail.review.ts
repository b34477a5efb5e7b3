/**
 * Review an, 4 (medium): one audit row whose detail is not a JSON object (edited, or damaged, in the database) made the
 * audit log unreadable and unverifiable. The store parsed every row's detail with `JSON.parse`, which threw: `gatehouse
 * audit verify` answered 500 (exit 70, "a body that is not JSON") instead of naming the record that was altered, and
 * every `audit query` page holding the row answered 500, so no record from there on could be read. Now such a detail
 * reads as `{ unreadable: <text> }`: the record fails its hash, verify reports it (and the rest of the chain) with exit
 * 1, and queries read every record. Real server (SQLite), the rows edited in the database file.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { cliAgainst as cli, startTestServer, type TestServer } from './support/server.ts';

describe('review an4: a detail that is not a JSON object', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    for (const name of ['u1', 'u2', 'u3', 'u4']) assert.equal((await cli(s, ['iam', 'users', 'create', name])).status, 0);
    await s.running.app.audit.flush();
  });
  after(async () => {
    await s.stop();
  });

  it('is reported by verify as an altered record (exit 1), and every record still reads', async () => {
    const db = new DatabaseSync(join(s.dataDir, 'gatehouse.db'));
    try {
      const seqs = (db.prepare("SELECT seq FROM audit_log WHERE action = 'iam:CreateUser' ORDER BY seq").all() as { seq: number }[]).map((r) => Number(r.seq));
      assert.equal(seqs.length, 4);
      const [a, b] = seqs as [number, number];
      db.prepare('UPDATE audit_log SET detail = ? WHERE seq = ?').run('{"request": ', a);
      db.prepare('UPDATE audit_log SET detail = ? WHERE seq = ?').run('null', b);
      // Before: 500 (exit 70) for both.
      const v = await cli(s, ['audit', 'verify', '--json']);
      assert.equal(v.status, 1, `${v.out}${v.err}`);
      const report = JSON.parse(v.out) as { ok: boolean; breaks: { seq: number; reason: string }[] };
      assert.equal(report.ok, false);
      assert.deepEqual(report.breaks.map((x) => [x.seq, x.reason]), [[a, 'altered'], [b, 'altered']]);

      const q = await cli(s, ['audit', 'query', '--action', 'iam:CreateUser', '--json']);
      assert.equal(q.status, 0, q.err);
      const records = q.out.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; detail: Record<string, unknown> });
      assert.deepEqual(records.map((r) => r.seq), seqs, 'every record, those after the damaged ones too');
      assert.deepEqual(records[0]?.detail, { unreadable: '{"request": ' });
      assert.deepEqual(records[1]?.detail, { unreadable: 'null' });
    } finally {
      db.close();
    }
  });
});
