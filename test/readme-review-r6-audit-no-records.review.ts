/**
 * Review `readme`, R6: `gatehouse audit query` with no record matching printed nothing at all (no header, no word),
 * exit 0, as if it had not run. Now it says `no records match` on stderr — stdout stays empty for scripts — and with
 * `--follow` that it waits for new ones; with `--json` nothing is printed anywhere (empty JSON lines, as before).
 * Against a real server (startTestServer, SQLite in a temporary dir): the CLI in process (`cliAgainst`), and the real
 * executable for `--follow`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';
import { GATEHOUSE_BIN } from './support/processes.ts';

const NOSUCH = 'arn:aws:iam::000000000000:role/trainer';
let s: TestServer;

before(async () => {
  s = await startTestServer();
  await s.iam().send(new CreateUserCommand({ UserName: 'alice' }));
  await s.running.app.audit.flush();
});

after(async () => {
  await s?.stop();
});

test('R6: no record matching: "no records match" on stderr, nothing on stdout, exit 0', async () => {
  const r = await cliAgainst(s, ['audit', 'query', '--role', NOSUCH, '--since', '24h']);
  assert.deepEqual(r, { status: 0, out: '', err: 'no records match\n' });
  const last = await cliAgainst(s, ['audit', 'query', '--role', NOSUCH, '--last', '5']);
  assert.deepEqual(last, { status: 0, out: '', err: 'no records match\n' });
});

test('R6: with --json an empty result prints nothing at all (valid, empty JSON lines)', async () => {
  const r = await cliAgainst(s, ['audit', 'query', '--role', NOSUCH, '--json']);
  assert.deepEqual(r, { status: 0, out: '', err: '' });
});

test('R6: records matching: the table, and no "no records match"', async () => {
  const r = await cliAgainst(s, ['audit', 'query', '--limit', '3']);
  assert.equal(r.status, 0, r.err);
  assert.match(r.out, /^SEQ /);
  assert.doesNotMatch(r.err, /no records match/);
});

test('R6: --follow with nothing matching says it waits for new records', async () => {
  const child = spawn(process.execPath, [GATEHOUSE_BIN, 'audit', 'query', '--follow', '--interval', '100', '--role', NOSUCH], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: s.dataDir, AWS_ACCESS_KEY_ID: s.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: s.admin.secretAccessKey, GATEHOUSE_ENDPOINT: s.url },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => void (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => void (err += c.toString()));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  try {
    for (const end = Date.now() + 30_000; !err.includes('\n'); ) {
      if (Date.now() > end) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(err, 'no records match yet; waiting for new ones (Ctrl-C to stop)\n');
    assert.equal(out, '');
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
});
