/**
 * Review `ea` (a demanding new user follows the README), 2: §4 starts the node agent as `npx gatehouse agent --upstream
 * … --listen 127.0.0.1:8471`. `npx` runs it under `npm exec` and `sh`, which do not pass a SIGTERM on: stopped the way
 * a shell or a service manager stops what it started (a SIGTERM to the npx pid), npm and sh ended and the agent served
 * on, orphaned, holding its port, so the next start failed on an address in use, and jobs kept being answered by an
 * agent nobody ran. The server was made to stop when its parent goes away (test/server-start.test.ts, "stopping with
 * the parent process"), and the README says so of it; the agent was not. Now it does the same (`untilParentExits`).
 *
 * Through the real `npx gatehouse agent` in the repository, on a port the system picks; its upstream need not answer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO = join(import.meta.dirname, '..');
const PATH = process.env['PATH'] ?? '/usr/bin:/bin';

async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** The agents whose command line carries `marker` (a failed test's orphans): ended with SIGKILL. */
function killAgentsWith(marker: string): void {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmdline.split('\0').includes(marker)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
  }
}

test('ea2: `npx gatehouse agent` stopped by a SIGTERM to npx (`npx … & kill $!`) stops too, freeing its port', async () => {
  const home = await mkdtemp(join(tmpdir(), 'gh-ea2-'));
  // A port nothing listens on, unique to this run so that its orphan, if any, is found by its command line.
  const upstream = `http://127.0.0.1:9/ea2-${process.pid}`;
  const npx = spawn('npx', ['gatehouse', 'agent', '--upstream', upstream, '--listen', '127.0.0.1:0'], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { PATH, HOME: home, npm_config_update_notifier: 'false' },
  });
  let log = '';
  const url = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the agent did not start; log: ${log}`)), 30_000);
    npx.stderr.on('data', (c: Buffer) => {
      log += c.toString('utf8');
      const m = /serving job credentials on (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    });
  });
  // The pipe closes when the last process holding it, the agent, has exited.
  const closed = new Promise<void>((resolve) => npx.stderr.on('close', () => resolve()));
  try {
    const at = await url;
    // Serving: a request without a job's capability is answered (refused), not a refused connection.
    const answered = await fetch(`${at}/v1/credentials`).then((r) => r.status);
    assert.ok(answered >= 400 && answered < 500, `the agent answers: ${answered}`);
    npx.kill('SIGTERM');
    await within(closed, 10_000, `the node agent exits too; log: ${log}`);
    assert.match(log, /parent process \d+ exited \(this process is now a child of \d+\): stopping as on SIGTERM/);
    assert.match(log, /^gatehouse agent stopped$/m, 'stopped cleanly, as on SIGTERM');
    const refused = await fetch(at).then(
      () => false,
      () => true,
    );
    assert.ok(refused, 'the port is free again');
  } finally {
    npx.kill('SIGKILL');
    killAgentsWith(upstream);
    await rm(home, { recursive: true, force: true });
  }
});
