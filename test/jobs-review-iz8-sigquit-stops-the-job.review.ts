/**
 * Review iz, finding 8: `jobs run` stopped its job on SIGINT, SIGTERM and SIGHUP, and torchrun's agent stops its
 * workers on SIGQUIT too. `kill -QUIT` (or Ctrl-\ where the launcher alone gets it) killed the launcher by the signal's
 * default action, alone: with no terminal attached each rank runs in its own process group, so the ranks ran on,
 * orphaned, holding their GPUs with nobody to stop them, the credentials file and profile files stayed on disk, and the
 * job stayed Running on the server, its sessions working, until its heartbeat timed out (and then its ranks ran on
 * without credentials). Now SIGQUIT stops the job as SIGTERM does: passed to every rank's process group, the job ended
 * Stopped (`stopped by SIGQUIT to its launcher`), and `jobs run` exits 131 (128 + 3) when the ranks die of it.
 *
 * The real CLI as a process, with no terminal, against a real server. Before the fix 1 of 1 test failed (the launcher
 * died of SIGQUIT, its rank's child still running).
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
  ({ server, home, stop } = await startWorkspaceServer('gh-iz8-'));
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

test('iz8: SIGQUIT to `jobs run` stops its ranks and the job, and it exits 131', { timeout: 60_000 }, async () => {
  const pidFile = join(home, 'child.pid');
  const launcher = spawn(process.execPath, [GATEHOUSE_BIN, 'jobs', 'run', '--workspace', 'w', '--role', 'none', '--no-imds', '--', 'sh', '-c', 'sleep 300 & echo $! > "$1"; wait', 'sh', pidFile], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, TMPDIR: home, ...COMPILE_CACHE, AWS_ACCESS_KEY_ID: server.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey, GATEHOUSE_ENDPOINT: server.url },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  launcher.stderr.on('data', (b: Buffer) => void (stderr += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => launcher.once('exit', (code, signal) => resolve({ code, signal })));
  let child = 0;
  try {
    await until('the rank started its child', () => existsSync(pidFile) && /^\d+\n$/.test(readFileSync(pidFile, 'utf8')), 30_000);
    child = Number(readFileSync(pidFile, 'utf8').trim());
    assert.ok(alive(child));
    launcher.kill('SIGQUIT');
    const end = await Promise.race([exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`the launcher did not exit; stderr: ${stderr}`)), 20_000))]);
    assert.deepEqual(end, { code: 131, signal: null }, stderr);
    assert.match(stderr, /SIGQUIT: stopping job/);
    await until(`the rank's child ${child} is gone (stderr: ${stderr})`, () => !alive(child), 5000);
    const id = /job (\w+) \(/.exec(stderr)?.[1] ?? '';
    const job = await gatehouseJson(server.url, server.admin, 'GET', `/v1/jobs/${id}`);
    assert.deepEqual([job.json['state'], job.json['exitCode'], job.json['reason']], ['Stopped', 131, 'stopped by SIGQUIT to its launcher'], JSON.stringify(job.json));
  } finally {
    if (launcher.exitCode === null && launcher.signalCode === null) launcher.kill('SIGKILL');
    if (child !== 0 && alive(child)) process.kill(child, 'SIGKILL');
  }
});
