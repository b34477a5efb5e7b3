/**
 * A slow answer to the commands that may wait long (review cli, G7 and G18). `gatehouse apply` waited up to 10
 * minutes for the server (a large configuration takes a while) and said nothing meanwhile, so a hung server looked
 * like a hung CLI; `gatehouse audit verify`, while the server walks the whole hash chain, said nothing either and gave
 * up after a request's 30 s ("timed out", exit 10) however long a large log's walk legitimately takes. Now both wait
 * up to 10 minutes and say on stderr, every 5 s, that they are still waiting, for how long, and when they give up;
 * stdout keeps only the result. A real `gatehouse server` process, stopped (SIGSTOP: it accepts connections but
 * answers nothing) and then continued.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GATEHOUSE_BIN, serverProcess, type ServerProcess } from './support/processes.ts';

describe('apply and audit verify say they are still waiting for a slow server', () => {
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

  /** Runs the command against the stopped server: "still waiting" on stderr, nothing on stdout; continued, it ends 0. */
  async function stillWaiting(args: readonly string[]): Promise<string> {
    server.child.kill('SIGSTOP');
    const child = spawn(process.execPath, [GATEHOUSE_BIN, ...args, '--data-dir', join(dir, 'data'), '--endpoint', server.url], { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir } });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => void (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => void (err += c.toString()));
    const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    try {
      for (let i = 0; i < 600 && !err.includes('still waiting'); i++) await new Promise((r) => setTimeout(r, 50));
      assert.match(err, /^gatehouse: still waiting for the server at http:\/\/127\.0\.0\.1:\d+ \([56] s; given up after 600 s without a byte of answer; Ctrl-C to stop\)$/m);
      assert.equal(out, '', 'stdout keeps only the result');
      server.child.kill('SIGCONT');
      assert.equal(await exited, 0, err);
      return out;
    } finally {
      server.child.kill('SIGCONT');
      child.kill('SIGKILL');
    }
  }

  it('apply: "still waiting" after 5 s; continued, the apply completes', async () => {
    assert.match(await stillWaiting(['apply', '-f', join(dir, 'user.yaml')]), /\+ create User\/patient/);
  });

  it('audit verify: "still waiting … given up after 600 s"; continued, verify answers', async () => {
    assert.match(await stillWaiting(['audit', 'verify']), /^audit log intact/);
  });
});
