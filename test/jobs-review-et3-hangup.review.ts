/**
 * Review et, finding 3: `jobs run` heard SIGINT and SIGTERM only. SIGHUP (the terminal or SSH session it was started
 * from going away, with its input not a terminal: `jobs run … < data`, `… | tee log` under `ssh host`, a supervisor's
 * reload) killed the launcher by the signal's default action, alone: with no terminal attached each rank runs in its own
 * process group (so that a stop reaches what it started), so the ranks ran on, orphaned, nothing left to stop them, the
 * credentials file and the job's profile files stayed on disk, and the job stayed Running on the server, its sessions
 * working, until its heartbeat timed out. `gatehouse demo` has always stopped cleanly on SIGHUP (docs/errors.md). Now
 * SIGHUP stops the job as SIGTERM does: passed to every rank's process group, the job's end reported, and `jobs run`
 * exits 129 (128 + 1, as a shell reports a hang-up).
 *
 * The real CLI as a process, with no terminal, against a real server. Its test failed before the fix (the launcher
 * died of SIGHUP, its rank's child still running).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gatehouseJson } from './support/resource-server.ts';
import type { TestServer } from './support/server.ts';
import { startWorkspaceServer } from './support/jobs-world.ts';
import { COMPILE_CACHE, GATEHOUSE_BIN } from './support/processes.ts';

let server: TestServer;
let home: string;
let stop: (() => Promise<void>) | undefined;

before(async () => {
  ({ server, home, stop } = await startWorkspaceServer('gh-et3-'));
});
after(async () => stop?.());

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('et3: SIGHUP to `jobs run` stops its ranks and the job, and it exits 129', { timeout: 60_000 }, async () => {
  const pidFile = join(home, 'child.pid');
  const launcher = spawn(process.execPath, [GATEHOUSE_BIN, 'jobs', 'run', '--workspace', 'w', '--role', 'none', '--no-imds', '--replicas', '2', '--', 'sh', '-c', 'sleep 300 & [ "$RANK" = 1 ] && echo $! > "$1"; wait', 'sh', pidFile], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, TMPDIR: home, ...COMPILE_CACHE, AWS_ACCESS_KEY_ID: server.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey, GATEHOUSE_ENDPOINT: server.url },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  launcher.stderr.on('data', (b: Buffer) => void (stderr += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => launcher.once('exit', (code, signal) => resolve({ code, signal })));
  let child = 0;
  try {
    await until('rank 1 started its child', () => existsSync(pidFile) && /^\d+\n$/.test(readFileSync(pidFile, 'utf8')), 30_000);
    child = Number(readFileSync(pidFile, 'utf8').trim());
    assert.ok(alive(child));
    launcher.kill('SIGHUP');
    const end = await Promise.race([exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`the launcher did not exit; stderr: ${stderr}`)), 20_000))]);
    assert.deepEqual(end, { code: 129, signal: null }, stderr);
    assert.match(stderr, /SIGHUP: stopping job/);
    await until(`rank 1's child ${child} is gone (stderr: ${stderr})`, () => !alive(child), 5000);
    const id = /job (\w+) \(/.exec(stderr)?.[1] ?? '';
    const job = await gatehouseJson(server.url, server.admin, 'GET', `/v1/jobs/${id}`);
    // Stopped, as `jobs stop` ends a job (review iz, 2: it was Failed), with the command's status.
    assert.equal(job.json['state'], 'Stopped', JSON.stringify(job.json));
    assert.equal(job.json['exitCode'], 129, JSON.stringify(job.json));
  } finally {
    if (launcher.exitCode === null && launcher.signalCode === null) launcher.kill('SIGKILL');
    if (child !== 0 && alive(child)) process.kill(child, 'SIGKILL');
  }
});
