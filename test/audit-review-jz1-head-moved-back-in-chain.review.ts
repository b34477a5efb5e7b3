/**
 * Review jz, 1 (high): the newest records deleted and `audit_head` moved back while a server ran (one DELETE and one
 * UPDATE by someone with write access to the database) was noticed by the instance that had written them: its next
 * append linked to a head below the record it had committed, and it logged `THE AUDIT LOG'S HEAD MOVED BACK` and
 * counted it. Nothing of that reached the audit log itself: its next records reused the deleted seqs, `gatehouse
 * audit verify` (without an anchor kept from before) said `intact`, and `audit query` showed no trace, so once the
 * log line had scrolled away the deletion was as quiet as if no instance had seen it. Now the instance appends a
 * keyed `gatehouse:AuditHeadMovedBack` record (what it had committed, the head it found), and `verify` reports it,
 * anchor or not, as `truncated` from then on; deleting it as well needs another truncation, which a running
 * instance notices again. A record of that action that no server wrote (an authorize API question about it) breaks
 * nothing.
 *
 * Before the fix 1 of 2 tests failed (the second; the first guards against a record no server wrote).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { cliAgainst as cli, startTestServer, type Credentials, type TestServer } from './support/server.ts';

interface Report {
  ok: boolean;
  head: { seq: number; hash: string };
  broken?: { seq: number; reason: string; message: string };
  breaks?: { seq: number; reason: string; message: string }[];
}

const conn = (s: TestServer, credentials: Credentials): Connection => ({ endpoint: new URL(s.url), credentials, region: 'us-east-1', credentialsSource: 'test' });

async function verifyJson(s: TestServer): Promise<{ status: number; report: Report }> {
  const r = await cli(s, ['audit', 'verify', '--json']);
  return { status: r.status, report: JSON.parse(r.out) as Report };
}

async function user(s: TestServer, name: string): Promise<void> {
  const r = await call(conn(s, s.admin), 'POST', ['users'], { body: { name } });
  assert.ok(r.ok, JSON.stringify(r));
}

describe('review jz1: a head moved back under a running server is recorded in the chain, and verify reports it', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    for (let i = 0; i < 5; i++) await user(s, `jz1-${i}`);
    await s.running.app.audit.flush();
  });
  after(async () => {
    await s.stop();
  });

  it('a question of the authorize API about gatehouse:AuditHeadMovedBack is a decision, and breaks nothing', async () => {
    const r = await call(conn(s, s.admin), 'POST', ['authorize'], { body: { action: 'gatehouse:AuditHeadMovedBack', resource: '*' } });
    assert.ok(r.ok, JSON.stringify(r));
    await s.running.app.audit.flush();
    const v = await verifyJson(s);
    assert.equal(v.status, 0, JSON.stringify(v.report));
  });

  it('the tail deleted and the head moved back: the next append records it, verify reports it without an anchor, audit query finds it', async () => {
    const before = await verifyJson(s);
    assert.equal(before.status, 0, JSON.stringify(before.report));
    const head = before.report.head;
    const cut = head.seq - 3;
    const db = new DatabaseSync(join(s.dataDir, 'gatehouse.db'), { timeout: 5000 });
    try {
      db.prepare('DELETE FROM audit_log WHERE seq > ?').run(cut);
      db.prepare('UPDATE audit_head SET seq = ?, hash = (SELECT hash FROM audit_log WHERE seq = ?) WHERE id = 1').run(cut, cut);
    } finally {
      db.close();
    }
    await user(s, 'jz1-after');
    await s.running.app.audit.flush();
    assert.equal(s.running.app.audit.status().headRegressions, 1);
    // Recorded in the chain, after the batch that found the head below: written by the next flush.
    await user(s, 'jz1-after-2');
    await s.running.app.audit.flush();

    const v = await verifyJson(s);
    assert.equal(v.status, 1, JSON.stringify(v.report));
    assert.equal(v.report.ok, false);
    const moved = (v.report.breaks ?? []).find((b) => b.reason === 'truncated');
    assert.ok(moved, JSON.stringify(v.report));
    assert.match(moved.message, new RegExp(`records ${cut + 1}–${head.seq} .*deleted`));
    assert.match(moved.message, new RegExp(`record ${head.seq} \\(hash ${head.hash}\\)`));
    const text = await cli(s, ['audit', 'verify']);
    assert.equal(text.status, 1, text.out);
    assert.match(text.out, /BROKEN at record \d+ \(truncated\)/);

    const q = await cli(s, ['audit', 'query', '--action', 'gatehouse:AuditHeadMovedBack', '--kind', 'change', '--json']);
    assert.equal(q.status, 0, q.err);
    const lines = q.out.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; principal: string; detail: { committed: { seq: number; hash: string }; foundHead: { seq: number } } });
    assert.equal(lines.length, 1, q.out);
    assert.deepEqual([lines[0]?.principal, lines[0]?.detail.committed, lines[0]?.detail.foundHead.seq], ['gatehouse', { seq: head.seq, hash: head.hash }, cut]);
    assert.equal(moved.seq, lines[0]?.seq);
  });
});
