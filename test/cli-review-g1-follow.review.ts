/**
 * `gatehouse audit query --follow` when the server goes away (review cli, G1): it said nothing and polled for ever,
 * so a follow of a stopped server looked like a quiet log. Now it says so on stderr at once, keeps retrying for
 * `--retry-seconds` (a restart does not end it), then stops with the server's error and exit 10; Ctrl-C (SIGINT)
 * still ends it with 130 and the JSON lines printed so far intact. The real `gatehouse` binary against a real
 * server on 127.0.0.1, stopped under it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import { GATEHOUSE_BIN } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

function follow(s: TestServer, args: readonly string[]) {
  const child = spawn(process.execPath, [GATEHOUSE_BIN, 'audit', 'query', '--follow', '--json', '--interval', '100', ...args], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: s.dataDir, AWS_ACCESS_KEY_ID: s.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: s.admin.secretAccessKey, GATEHOUSE_ENDPOINT: s.url },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => void (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => void (err += c.toString()));
  const exited = new Promise<number>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : -1))));
  return { child, out: () => out, err: () => err, exited };
}

async function until(what: string, ok: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('audit query --follow: the server going away, and Ctrl-C', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    await s.iam().send(new CreateUserCommand({ UserName: 'followed' }));
    await s.running.app.audit.flush();
  });
  after(async () => s.stop());

  it('says at once that the server is gone, retries, then stops with exit 10 after --retry-seconds; Ctrl-C ends it with 130', async () => {
    const quiet = follow(s, []);
    const bounded = follow(s, ['--retry-seconds', '1']);
    try {
      await until('the first records', () => quiet.out().includes('\n') && bounded.out().includes('\n'));
      await s.stopServer();
      // Default --retry-seconds (60): still following, but said on stderr within a few polls.
      await until('a message on stderr that the server is gone', () => /cannot reach the Gatehouse server.*retrying for up to 60 s/.test(quiet.err()), 20_000);
      assert.equal(quiet.child.exitCode, null, 'a restart does not end the follow');
      const status = await Promise.race([bounded.exited, new Promise<number>((r) => setTimeout(() => r(-2), 20_000))]);
      assert.equal(status, 10, bounded.err());
      assert.match(bounded.err(), /did not answer for 1 s; stopped following after record \d+/);
      // --json: the error is printed as JSON on stderr, as every error (review F, F4); stdout holds the records.
      assert.match(bounded.err(), /"code": ?"ConnectionFailed"/);
      assert.doesNotMatch(bounded.out(), /ConnectionFailed/);
      // Ctrl-C ends the one still retrying with 130, the JSON lines printed so far whole.
      quiet.child.kill('SIGINT');
      assert.equal(await quiet.exited, 130, quiet.err());
      for (const line of quiet.out().split('\n').filter((l) => l !== '')) assert.doesNotThrow(() => JSON.parse(line), line);
    } finally {
      quiet.child.kill('SIGKILL');
      bounded.child.kill('SIGKILL');
    }
  });

  it('--retry-seconds takes whole seconds only', async () => {
    const p = follow(s, ['--retry-seconds', '1.5']);
    assert.equal(await p.exited, 2);
    assert.match(p.err(), /--retry-seconds must be a whole number of seconds from 0 to 86400, got `1.5`/);
  });
});
