/**
 * Review fq, 1: `gatehouse server` stops gracefully on SIGTERM or SIGINT (requests in flight get up to 10 s, then the
 * audit log is written or spooled), but it listened for the first signal only (`process.once`). A second one during
 * that stop (Ctrl-C pressed again, an operator's second `kill`, a supervisor that signals again) met Node's default
 * and killed the process at once: no `gatehouse stopped`, exit by signal instead of 0, and the audit records it held
 * neither written nor spooled. The `--workers` workers did the same on a second Ctrl-C. Now a later signal is said in
 * the log ("already stopping"), the stop goes on within its bounds, and the server exits 0; SIGKILL stops it at once.
 * Real server process (bin/gatehouse.js), held in its stop by a client still sending its headers.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMPILE_CACHE, GATEHOUSE_BIN } from './support/processes.ts';

let work = '';
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'gatehouse-review-fq1-'));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Starts `gatehouse server` (extra `args`); resolves once it says where it listens. */
async function start(name: string, args: readonly string[]): Promise<{ child: ChildProcess; port: number; stderr: () => string }> {
  const child = spawn(process.execPath, [GATEHOUSE_BIN, 'server', '--data-dir', join(work, name), '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', 'off', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: work, ...COMPILE_CACHE },
  });
  let err = '';
  child.stderr!.setEncoding('utf8');
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 60 s: ${err}`)), 60_000);
    child.stderr!.on('data', (c: string) => {
      err += c;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
  return { child, port, stderr: () => err };
}

/** A client that sends a request's headers a line at a time, so the stop waits its grace for it. */
async function slowClient(port: number): Promise<{ socket: Socket; stop(): void }> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('error', () => {});
  socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
  const timer = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 300);
  return { socket, stop: () => (clearInterval(timer), socket.destroy()) };
}

const exited = (child: ChildProcess): Promise<{ code: number | null; signal: string | null }> =>
  new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('review fq1: a second stop signal does not kill the server in its graceful stop', () => {
  for (const [label, args, signals] of [
    ['SIGTERM, then SIGTERM and SIGINT', [], ['SIGTERM', 'SIGTERM', 'SIGINT']],
    ['SIGINT twice (Ctrl-C pressed again)', [], ['SIGINT', 'SIGINT']],
  ] as const) {
    it(`${label}: the stop goes on and the server exits 0`, { timeout: 90_000 }, async () => {
      const s = await start(`d-${label.length}`, args);
      // The handlers are set once the start has returned, a moment after it says where it listens.
      await sleep(1500);
      const slow = await slowClient(s.port);
      try {
        const end = exited(s.child);
        s.child.kill(signals[0]);
        await sleep(800);
        for (const sig of signals.slice(1)) {
          assert.equal(s.child.exitCode, null, `still stopping: ${s.stderr()}`);
          s.child.kill(sig);
          await sleep(300);
        }
        const r = await end;
        assert.deepEqual(r, { code: 0, signal: null }, s.stderr());
        assert.match(s.stderr(), /already stopping/);
        assert.match(s.stderr(), /^gatehouse stopped$/m);
      } finally {
        slow.stop();
        if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
      }
    });
  }
});
