/**
 * Tail truncation of the audit log (review M5): the newest records deleted and `audit_head` moved back to an earlier
 * record leaves a chain intact in itself, so `audit verify` alone passes; against an anchor it kept (`--expect
 * SEQ:HASH`, `GET /v1/audit/verify?expect=`) it fails, and the instance's writer, which committed those records,
 * notices the head below them, logs it and counts it (`gatehouse_audit_head_regressions_total`).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { cliAgainst as cli, startTestServer, type Credentials, type TestServer } from './support/server.ts';

interface Report {
  ok: boolean;
  checked: number;
  head: { seq: number; hash: string };
  anchor: string;
  expected?: string;
  broken?: { seq: number; reason: string; message: string };
}

const conn = (s: TestServer, credentials: Credentials): Connection => ({ endpoint: new URL(s.url), credentials, region: 'us-east-1', credentialsSource: 'test' });


async function verifyJson(s: TestServer, ...args: string[]): Promise<{ status: number; report: Report }> {
  const r = await cli(s, ['audit', 'verify', '--json', ...args]);
  return { status: r.status, report: JSON.parse(r.out) as Report };
}

describe('audit anchor: tail truncation', () => {
  let s: TestServer;
  let anchor = '';
  let kept: { seq: number; hash: string } = { seq: 0, hash: '' };

  before(async () => {
    s = await startTestServer();
    for (let i = 0; i < 6; i++) {
      const r = await call(conn(s, s.admin), 'POST', ['users'], { body: { name: `u${i}` } });
      assert.ok(r.ok, JSON.stringify(r));
    }
    await s.running.app.audit.flush();
  });
  after(async () => {
    await s.stop();
  });

  it('verify prints the anchor to keep, and passes when the anchored record is there', async () => {
    const text = await cli(s, ['audit', 'verify']);
    assert.equal(text.status, 0, text.out + text.err);
    const m = /anchor to keep outside the database: (\d+:[0-9a-f]{64})/.exec(text.out);
    assert.ok(m, text.out);
    const { status, report } = await verifyJson(s);
    assert.equal(status, 0);
    assert.equal(report.anchor, `${report.head.seq}:${report.head.hash}`);
    anchor = report.anchor;
    assert.ok(report.head.seq >= 6, `records written: ${report.head.seq}`);

    const again = await cli(s, ['audit', 'verify', '--expect', anchor]);
    assert.equal(again.status, 0, again.out);
    assert.match(again.out, new RegExp(`anchor ${anchor} present`));
    // An anchor older than the head is checked too: the record it names is still there with its hash.
    const rows = new DatabaseSync(join(s.dataDir, 'gatehouse.db'));
    try {
      kept = rows.prepare('SELECT seq, hash FROM audit_log WHERE seq = 3').get() as { seq: number; hash: string };
    } finally {
      rows.close();
    }
    assert.equal((await cli(s, ['audit', 'verify', '--expect', `${kept.seq}:${kept.hash.toUpperCase()}`])).status, 0);
  });

  it('an anchor that names a record with another hash, or that is malformed, is refused', async () => {
    const wrong = await verifyJson(s, '--expect', `${kept.seq}:${'0'.repeat(64)}`);
    assert.equal(wrong.status, 1);
    assert.equal(wrong.report.ok, false);
    assert.deepEqual([wrong.report.broken?.seq, wrong.report.broken?.reason], [kept.seq, 'anchor']);
    const bad = await cli(s, ['audit', 'verify', '--expect', '12']);
    assert.equal(bad.status, 2, bad.out + bad.err);
    assert.match(bad.err, /SEQ:HASH/);
    const http = await call(conn(s, s.admin), 'GET', ['audit', 'verify'], { query: { expect: 'nope' } });
    assert.equal(http.ok, false);
    assert.equal(!http.ok && http.httpStatus, 400);
  });

  it('the tail deleted and the head moved back: intact by itself, broken against the anchor (CLI and HTTP); the writer reports the head moving back', async () => {
    const head = Number(anchor.split(':')[0]);
    const cut = head - 3;
    const db = new DatabaseSync(join(s.dataDir, 'gatehouse.db'), { timeout: 5000 });
    try {
      db.prepare('DELETE FROM audit_log WHERE seq > ?').run(cut);
      db.prepare('UPDATE audit_head SET seq = ?, hash = (SELECT hash FROM audit_log WHERE seq = ?) WHERE id = 1').run(cut, cut);
    } finally {
      db.close();
    }
    // The chain alone cannot tell: this is why the anchor exists.
    const alone = await verifyJson(s);
    assert.equal(alone.status, 0, JSON.stringify(alone.report));
    assert.equal(alone.report.head.seq, cut);

    const checked = await verifyJson(s, '--expect', anchor);
    assert.equal(checked.status, 1, JSON.stringify(checked.report));
    assert.equal(checked.report.ok, false);
    assert.equal(checked.report.expected, anchor);
    assert.equal(checked.report.broken?.reason, 'truncated');
    assert.match(checked.report.broken?.message ?? '', /missing anchor/);
    const text = await cli(s, ['audit', 'verify', '--expect', anchor]);
    assert.equal(text.status, 1);
    assert.match(text.out, /audit log BROKEN at record \d+ \(truncated\): missing anchor/);

    const http = await call<Report>(conn(s, s.admin), 'GET', ['audit', 'verify'], { query: { expect: anchor } });
    assert.ok(http.ok);
    assert.equal(http.value.ok, false);
    assert.equal(http.value.broken?.reason, 'truncated');

    // The writer committed records past the new head: its next append notices, says so loudly and counts it.
    const r = await call(conn(s, s.admin), 'POST', ['users'], { body: { name: 'after-truncation' } });
    assert.ok(r.ok);
    await s.running.app.audit.flush();
    assert.ok(s.logs.some((l) => l.includes("THE AUDIT LOG'S HEAD MOVED BACK") && l.includes(`--expect ${anchor}`)), s.logs.join('\n'));
    assert.equal(s.running.app.audit.status().headRegressions, 1);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    assert.match(metrics, /^gatehouse_audit_head_regressions_total 1$/m);
    // Reported once, not on every batch after it.
    await call(conn(s, s.admin), 'POST', ['users'], { body: { name: 'after-truncation-2' } });
    await s.running.app.audit.flush();
    assert.equal(s.running.app.audit.status().headRegressions, 1);
  });
});
