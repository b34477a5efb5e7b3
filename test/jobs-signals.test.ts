/**
 * `gatehouse jobs run` stopped by a signal sent to its pid (a process manager, `kill $!`), with no terminal (review L,
 * L9): the signal reaches everything the command started — a wrapper script's children too, since each rank runs in
 * its own process group — and a rank that ignores it is killed 10 s later, so the job and its credentials do not
 * outlive the stop. Real CLI against a real server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { COMPILE_CACHE, GATEHOUSE_BIN } from './support/processes.ts';

const ROLE_ARN = 'arn:aws:iam::000000000000:role/trainer';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(what: string, ok: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('jobs run stopped by a signal to its pid', () => {
  let home: string;
  let server: RunningServer;
  let admin: Connection;
  let keys: { accessKeyId: string; secretAccessKey: string };

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'gh-job-signals-'));
    server = await startServer({ dataDir: join(home, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', log: () => {} });
    const a = server.adminCredentials;
    assert.ok(a);
    keys = { accessKeyId: a.AccessKeyId, secretAccessKey: a.SecretAccessKey };
    const iam = new I.IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: keys });
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] };
    await iam.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    iam.destroy();
    admin = { endpoint: new URL(server.url), credentials: keys, region: 'us-east-1', credentialsSource: 'test' };
    const ws = await call(admin, 'PUT', ['workspaces', 'vision'], { body: { members: [{ user: 'admin' }] } });
    assert.ok(ws.ok);
  });
  after(async () => {
    await server?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  /** `gatehouse jobs run` of `sh -c script sh pidFile` as its one rank, with no terminal; its stderr as it comes. */
  function runJob(script: string, pidFile: string) {
    const launcher = spawn(process.execPath, [GATEHOUSE_BIN, 'jobs', 'run', '--workspace', 'vision', '--role', ROLE_ARN, '--', 'sh', '-c', script, 'sh', pidFile], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, TMPDIR: home, ...COMPILE_CACHE, AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey, GATEHOUSE_ENDPOINT: server.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = { launcher, stderr: '' };
    launcher.stderr.on('data', (b: Buffer) => void (out.stderr += b.toString()));
    return out;
  }

  /** The job `stderr` names has ended on the server. */
  async function assertJobEnded(stderr: string): Promise<void> {
    const job = /job (\w+)/.exec(stderr)?.[1];
    assert.ok(job !== undefined, stderr);
    const r = await call<{ state?: string; job?: { state: string } }>(admin, 'GET', ['jobs', job]);
    assert.ok(r.ok);
    const state = r.value.state ?? r.value.job?.state;
    assert.ok(state !== undefined && state !== 'Running' && state !== 'Queued', `the job ended: ${JSON.stringify(r.value)}`);
  }

  for (const [signal, script] of [
    ['SIGTERM', 'sleep 300 & echo $! > "$1"; wait'],
    // The wrapper ignores SIGINT and so does its child: killed 10 s after the signal.
    ['SIGINT', 'trap "" INT; sh -c \'trap "" INT; sleep 300\' & echo $! > "$1"; wait'],
  ] as const) {
    it(`${signal}: the wrapper script's child stops too, and the job ends`, { timeout: 60_000 }, async () => {
      const pidFile = join(home, `child-${signal}.pid`);
      const job = runJob(script, pidFile);
      const { launcher } = job;
      const exited = new Promise<number | null>((resolve) => launcher.once('exit', (code) => resolve(code)));
      try {
        await until('the job started its child', () => existsSync(pidFile) && /^\d+\n$/.test(readFileSync(pidFile, 'utf8')), 30_000);
        const child = Number((await readFile(pidFile, 'utf8')).trim());
        assert.ok(alive(child), 'the grandchild runs');
        launcher.kill(signal);
        await within(exited, 20_000, `the launcher exits; stderr: ${job.stderr}`);
        await until(`the wrapper's child ${child} is gone (stderr: ${job.stderr})`, () => !alive(child), 5000);
        assert.match(job.stderr, new RegExp(`${signal}: stopping job`));
        await assertJobEnded(job.stderr);
      } finally {
        if (launcher.exitCode === null) launcher.kill('SIGKILL');
      }
    });
  }

  it('SIGTERM while the job is still being set up: no rank is left running, and the job ends', { timeout: 60_000 }, async () => {
    const pidFile = join(home, 'child-early.pid');
    const job = runJob('sleep 300 & echo $! > "$1"; wait', pidFile);
    const { launcher } = job;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => launcher.once('exit', (code, signal) => resolve({ code, signal })));
    // The signal as soon as the job is submitted: while the launcher fetches its credentials and writes its files.
    const submitted = new Promise<void>((resolve) => {
      launcher.stderr.on('data', () => {
        if (/rank\(s\)/.test(job.stderr)) resolve();
      });
    });
    try {
      await within(submitted, 30_000, 'the job is submitted');
      launcher.kill('SIGTERM');
      const end = await within(exited, 20_000, `the launcher exits; stderr: ${job.stderr}`);
      // Handled, not the default action of SIGTERM (which left the ranks and the job behind).
      assert.deepEqual(end, { code: 143, signal: null }, job.stderr);
      assert.match(job.stderr, /SIGTERM: stopping job/);
      if (existsSync(pidFile)) {
        const child = Number(readFileSync(pidFile, 'utf8').trim());
        await until(`the rank's child ${child} is gone`, () => !alive(child), 5000);
      }
      await assertJobEnded(job.stderr);
    } finally {
      if (launcher.exitCode === null) launcher.kill('SIGKILL');
    }
  });
});

async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(t);
  }
}
