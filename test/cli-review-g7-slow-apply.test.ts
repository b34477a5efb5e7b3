/**
 * A slow answer to `gatehouse apply` (review cli, G7): apply waits up to 10 minutes for the server (a large
 * configuration takes a while), and said nothing meanwhile, so a hung server looked like a hung CLI. Now it says on
 * stderr, every 5 s, that it is still waiting, for how long, and when it gives up; stdout keeps only the plan. A real
 * `gatehouse server` process, stopped (SIGSTOP: it accepts connections but answers nothing) and then continued.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GATEHOUSE_BIN, serverProcess, type ServerProcess } from './support/processes.ts';

describe('apply says it is still waiting for a slow server', () => {
  let dir: string;
  let server: ServerProcess;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-cli-g7-'));
    server = await serverProcess(['--data-dir', join(dir, 'data'), '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', 'off'], { HOME: dir });
    await writeFile(join(dir, 'user.yaml'), 'apiVersion: gatehouse.dev/v1\nkind: User\nmetadata:\n  name: patient\n');
  });
  after(async () => {
    server?.child.kill('SIGCONT');
    server?.child.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  it('a stopped server: "still waiting" on stderr after 5 s; continued, the apply completes', async () => {
    server.child.kill('SIGSTOP');
    const child = spawn(process.execPath, [GATEHOUSE_BIN, 'apply', '-f', join(dir, 'user.yaml'), '--data-dir', join(dir, 'data'), '--endpoint', server.url], { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir } });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => void (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => void (err += c.toString()));
    const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    try {
      for (let i = 0; i < 200 && !err.includes('still waiting'); i++) await new Promise((r) => setTimeout(r, 50));
      assert.match(err, /^gatehouse: still waiting for the server at http:\/\/127\.0\.0\.1:\d+ \([56] s; given up after 600 s without a byte of answer; Ctrl-C to stop\)$/m);
      assert.equal(out, '', 'stdout keeps only the result');
      server.child.kill('SIGCONT');
      assert.equal(await exited, 0, err);
      assert.match(out, /\+ create User\/patient/);
    } finally {
      server.child.kill('SIGCONT');
      child.kill('SIGKILL');
    }
  });
});
