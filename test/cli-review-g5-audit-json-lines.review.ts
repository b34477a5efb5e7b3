/**
 * `gatehouse audit query --json` prints JSON lines, one record a line, for `while read` loops and log shippers; its
 * error was a pretty-printed document over several lines (review cli, G5), so a reader taking a line at a time
 * failed on `{` — after the records already printed, when a `--follow` ended. Now the error is one line too. It is
 * written to stderr (review F, F4: errors go to stderr in every mode, as the aws CLI's), so stdout holds records only.
 * Against a real server on 127.0.0.1: the CLI's program in this process (test/support/gatehouse-cli.ts) for the
 * refused filter, the real `gatehouse` binary for `--follow` (it runs until the server is gone).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { GATEHOUSE_BIN } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { settled, SETTLE_MS } from './support/settle.ts';

describe('audit query --json: an error is a JSON line too', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    await s.iam().send(new CreateUserCommand({ UserName: 'u1' }));
    await s.running.app.audit.flush();
  });
  after(async () => s?.stop());

  const gatehouse = (args: readonly string[]) =>
    gatehouseInProcess(['audit', 'query', '--json', ...args], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: s.dataDir, AWS_ACCESS_KEY_ID: s.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: s.admin.secretAccessKey, GATEHOUSE_ENDPOINT: s.url });
  const lines = (out: string): unknown[] => out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown);

  it('a refused filter: exit 8, one JSON line with the error', async () => {
    const r = await gatehouse(['--decision', 'Maybe']);
    assert.equal(r.code, 8, r.stderr);
    assert.equal(r.stdout, '');
    const parsed = lines(r.stderr);
    assert.equal(parsed.length, 1, r.stderr);
    assert.equal((parsed[0] as { error: { code: string } }).error.code, 'ValidationError');
  });

  it('records, then the server gone while following (--retry-seconds 0): every line is JSON, the error last on stderr', async () => {
    const child = spawn(process.execPath, [GATEHOUSE_BIN, 'audit', 'query', '--json', '--follow', '--interval', '100', '--retry-seconds', '0'], { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: s.dataDir, AWS_ACCESS_KEY_ID: s.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: s.admin.secretAccessKey, GATEHOUSE_ENDPOINT: s.url } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => void (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => void (stderr += c.toString()));
    const code = new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
    // A net under the wait below, never cast before it ends.
    const timer = setTimeout(() => child.kill('SIGKILL'), 2 * SETTLE_MS);
    // The first record printed, to a bound of time (settle.ts), not 200 tries.
    await settled(async () => stdout, (out) => out.includes('\n'), SETTLE_MS, 50);
    await s.stopServer();
    const r = { code: await code, stdout, stderr };
    clearTimeout(timer);
    assert.equal(r.code, 10, r.stderr);
    const parsed = lines(r.stdout) as { seq?: number }[];
    assert.ok(parsed.length >= 1, r.stdout);
    for (const record of parsed) assert.equal(typeof record.seq, 'number');
    const last = r.stderr.trimEnd().split('\n').at(-1) ?? '';
    assert.equal((JSON.parse(last) as { error?: { code: string } }).error?.code, 'ConnectionFailed', r.stderr);
  });
});
