/**
 * Standard error closed early (review cli, G14): `gatehouse plan -f bad.yaml 2>&1 >/dev/null | head -1` with more
 * errors than a pipe holds died of an uncaught EPIPE on stderr and exited 1, the status docs/errors.md gives to a deny
 * (`policy evaluate`), not to a failure. Now messages stop where stderr closed and the command ends with its own
 * status (8 here). The real `gatehouse` binary against a real server on 127.0.0.1; the reader closes stderr after its
 * first chunk, as `head` does.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GATEHOUSE_BIN } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('stderr closed early', () => {
  let s: TestServer;
  let file: string;
  before(async () => {
    s = await startTestServer();
    file = join(s.dataDir, 'bad.yaml');
    // 2,000 documents with a malformed name: some 300 KB of errors, far more than a pipe holds.
    await writeFile(file, Array.from({ length: 2000 }, (_, i) => `---\napiVersion: gatehouse.dev/v1\nkind: User\nmetadata:\n  name: "bad name ${i}"\n`).join(''));
  });
  after(async () => s?.stop());

  it('the command still exits with its own status (8), not 1', async () => {
    const child = spawn(process.execPath, [GATEHOUSE_BIN, 'plan', '-f', file], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: s.dataDir, AWS_ACCESS_KEY_ID: s.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: s.admin.secretAccessKey, GATEHOUSE_ENDPOINT: s.url },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let first = '';
    child.stderr.once('data', (d: Buffer) => {
      first = d.toString();
      child.stderr.destroy();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    clearTimeout(timer);
    assert.match(first, /document 1 \(User bad name 0\): metadata\.name/);
    assert.equal(code, 8);
  });
});
