/**
 * Review ay, 2 (medium): `gatehouse audit query --follow` slept `--interval` after every poll, also after one that
 * came back full (1,000 records, the API's page). A log written faster than a page per interval (a busy gateway's
 * decisions: thousands a second) was followed at one page per second at most, so the follow fell further behind
 * the log for as long as it ran: a "tail -f" showing what happened minutes ago as if it were now. Now a full page is
 * followed at once by the next; the interval is the wait once the follow has caught up. No record is printed twice
 * and none is skipped, while records are written under it. The real `gatehouse` binary against a real server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import { GATEHOUSE_BIN } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { SETTLE_MS } from './support/settle.ts';

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('review ay2: audit query --follow keeps up with a log written faster than a page per interval', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    await s.iam().send(new CreateUserCommand({ UserName: 'ay2' }));
    await s.running.app.audit.flush();
  });
  after(async () => s?.stop());

  it('prints every record written under it, once each, without waiting an interval per page', async () => {
    // A long interval: four pages at one a poll take 12 s.
    const child = spawn(process.execPath, [GATEHOUSE_BIN, 'audit', 'query', '--follow', '--json', '--limit', '1', '--interval', '3000'], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: s.dataDir, AWS_ACCESS_KEY_ID: s.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: s.admin.secretAccessKey, GATEHOUSE_ENDPOINT: s.url },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => void (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => void (err += c.toString()));
    // Whole lines only: a page may be read half written.
    const seqs = () => out.slice(0, out.lastIndexOf('\n') + 1).split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { seq: number }).seq);
    try {
      // The binary's start and first poll: to settle.ts's bound (a start takes seconds on a loaded host). The wait for
      // the rest below keeps its own bound: that it is short is what this review checks.
      await until('the newest record', () => seqs().length >= 1, SETTLE_MS);
      const first = seqs()[0] as number;
      // 3,500 decisions, written in bursts while the follow polls: three and a half pages.
      const audit = s.running.app.audit;
      for (let burst = 0; burst < 7; burst++) {
        for (let i = 0; i < 500; i++) {
          audit.record({ kind: 'decision', account: '000000000000', principal: 'arn:aws:iam::000000000000:user/ay2', action: 's3:GetObject', resource: `arn:aws:s3:::ay2/${burst}/${i}`, decision: 'Allow', detail: {} });
        }
        await audit.flush();
      }
      const total = first + 3500;
      // Before: one page per --interval, 3 s each (12 s); now the pages follow one another, after one interval at most.
      await until(`records up to ${total} (had ${seqs().length}; ${err})`, () => (seqs().at(-1) ?? 0) >= total, 5000);
      const got = seqs();
      assert.deepEqual(got, Array.from({ length: got.length }, (_, i) => first + i), 'every record once, in order');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
