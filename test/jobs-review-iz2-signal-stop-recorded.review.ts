/**
 * Review iz, finding 2: a job stopped by a signal to `gatehouse jobs run` (SIGTERM from a process manager or `kill`,
 * SIGINT, SIGHUP) was reported to the server as exit 143 whatever its ranks did. A rank that caught the signal, saved its
 * checkpoint and exited 0 made `jobs run` say "job ID ended with status 0" and exit 0, while `jobs get` said the job
 * Failed with exit 143, a status no process had; a CI pipeline or dashboard reading the record saw a failure that was
 * a stop. And a job stopped this way ended Failed, where the same stop through `jobs stop` ends it Stopped.
 *
 * Now the launcher reports the signal it stopped the job on (`/v1/launcher/end` `{"exitCode": N, "stoppedBy":
 * "SIGTERM"}`), and the job ends Stopped with the command's own status and the reason `stopped by SIGTERM to its
 * launcher`; its sessions are revoked as at any end. A `stoppedBy` that is not one of those signals is refused 400 and
 * ends nothing. (test/jobs-review-et3-hangup.review.ts now expects Stopped, with 129, for its SIGHUP.)
 *
 * The real CLI as a process, with no terminal, against a real server. Before the fix 2 of 2 tests failed. The third
 * (added after): a rank that failed before the signal came failed the job, which ends Failed whatever signal follows
 * while the other ranks are stopped (it ended Stopped with the first fix).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gatehouseJson } from './support/resource-server.ts';
import type { TestServer } from './support/server.ts';
import { startWorkspaceServer } from './support/jobs-world.ts';
import { COMPILE_CACHE, GATEHOUSE_BIN } from './support/processes.ts';

let server: TestServer;
let home: string;
let stop: (() => Promise<void>) | undefined;

before(async () => {
  ({ server, home, stop } = await startWorkspaceServer('gh-iz2-'));
});
after(async () => stop?.());

test('iz2: SIGTERM to jobs run whose rank exits 0 on it: the job ends Stopped with exit 0, as jobs run says', { timeout: 60_000 }, async () => {
  const ready = join(home, 'ready');
  const rank = `process.on('SIGTERM', () => { console.error('checkpoint saved'); process.exit(0); }); require('node:fs').writeFileSync(${JSON.stringify(ready)}, ''); setInterval(() => {}, 1000);`;
  const launcher = spawn(process.execPath, [GATEHOUSE_BIN, 'jobs', 'run', '--workspace', 'w', '--role', 'none', '--no-imds', '--', process.execPath, '-e', rank], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, TMPDIR: home, ...COMPILE_CACHE, AWS_ACCESS_KEY_ID: server.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey, GATEHOUSE_ENDPOINT: server.url },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  launcher.stderr.on('data', (b: Buffer) => void (stderr += b.toString()));
  const exited = new Promise<number | null>((resolve) => launcher.once('exit', (code) => resolve(code)));
  try {
    const end = Date.now() + 30_000;
    while (!existsSync(ready)) {
      assert.ok(Date.now() < end, `the rank did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    launcher.kill('SIGTERM');
    const code = await exited;
    assert.equal(code, 0, stderr);
    assert.match(stderr, /checkpoint saved/);
    assert.match(stderr, /ended with status 0/);
    const id = /job (\w+) \(/.exec(stderr)?.[1] ?? '';
    const job = await gatehouseJson(server.url, server.admin, 'GET', `/v1/jobs/${id}`);
    assert.equal(job.json['state'], 'Stopped', JSON.stringify(job.json));
    assert.equal(job.json['exitCode'], 0, JSON.stringify(job.json));
    assert.equal(job.json['reason'], 'stopped by SIGTERM to its launcher', JSON.stringify(job.json));
    const events = await gatehouseJson(server.url, server.admin, 'GET', `/v1/jobs/${id}/events`);
    assert.match(JSON.stringify(events.json), /"type":"ended","message":"Stopped \(exit 0\): stopped by SIGTERM to its launcher"/);
  } finally {
    if (launcher.exitCode === null && launcher.signalCode === null) launcher.kill('SIGKILL');
  }
});

test('iz2: an end naming a stoppedBy that is not a stop signal is refused and ends nothing', async () => {
  const submitted = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'w', role: 'none', imds: false });
  assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
  const capability = submitted.json['capability'] as string;
  const environment = submitted.json['environment'] as Record<string, string>;
  const agent = new URL(environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').origin;
  const id = (submitted.json['job'] as { id: string }).id;
  const end = (body: unknown) => fetch(`${agent}/v1/launcher/end`, { method: 'POST', headers: { authorization: capability, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  for (const bad of [{ exitCode: 0, stoppedBy: 'SIGKILL' }, { exitCode: 0, stoppedBy: 15 }, { exitCode: 0, stoppedBy: '' }]) {
    const r = await end(bad);
    assert.equal(r.status, 400, JSON.stringify(bad));
    assert.match(await r.text(), /`stoppedBy` must be the signal the launcher stopped the job on, one of SIGINT, SIGTERM, SIGHUP/);
  }
  const still = await gatehouseJson(server.url, server.admin, 'GET', `/v1/jobs/${id}`);
  assert.equal(still.json['state'], 'Queued', JSON.stringify(still.json));
  const ok = await end({ exitCode: 130, stoppedBy: 'SIGINT' });
  assert.equal(ok.status, 200, await ok.text());
  const job = await gatehouseJson(server.url, server.admin, 'GET', `/v1/jobs/${id}`);
  assert.deepEqual([job.json['state'], job.json['exitCode'], job.json['reason']], ['Stopped', 130, 'stopped by SIGINT to its launcher']);
});

test('iz2: a rank that failed before the signal still fails the job', { timeout: 60_000 }, async () => {
  const ready = join(home, 'ready-3');
  // Rank 0 fails at once; rank 1 takes a second to stop on SIGTERM, during which the launcher gets its own SIGTERM.
  const rank = `if (process.env.RANK === '0') { setTimeout(() => process.exit(3), 300); } else { process.on('SIGTERM', () => { require('node:fs').writeFileSync(${JSON.stringify(ready)}, ''); setTimeout(() => process.exit(0), 1500); }); setInterval(() => {}, 1000); }`;
  const launcher = spawn(process.execPath, [GATEHOUSE_BIN, 'jobs', 'run', '--workspace', 'w', '--role', 'none', '--no-imds', '--replicas', '2', '--', process.execPath, '-e', rank], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, TMPDIR: home, ...COMPILE_CACHE, AWS_ACCESS_KEY_ID: server.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey, GATEHOUSE_ENDPOINT: server.url },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  launcher.stderr.on('data', (b: Buffer) => void (stderr += b.toString()));
  const exited = new Promise<number | null>((resolve) => launcher.once('exit', (code) => resolve(code)));
  try {
    const end = Date.now() + 30_000;
    while (!existsSync(ready)) {
      assert.ok(Date.now() < end, `rank 1 was not stopped: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    launcher.kill('SIGTERM');
    assert.equal(await exited, 3, stderr);
    const id = /job (\w+) \(/.exec(stderr)?.[1] ?? '';
    const job = await gatehouseJson(server.url, server.admin, 'GET', `/v1/jobs/${id}`);
    assert.deepEqual([job.json['state'], job.json['exitCode']], ['Failed', 3], JSON.stringify(job.json));
  } finally {
    if (launcher.exitCode === null && launcher.signalCode === null) launcher.kill('SIGKILL');
  }
});
