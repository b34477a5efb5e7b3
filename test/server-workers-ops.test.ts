/**
 * `gatehouse server --workers N` as an operator runs it (src/main/workers.ts, src/main/worker.ts):
 * - jobs: a launcher heard by one worker is not marked Failed by another's sweep; a job ended through one worker has
 *   its metadata port closed by the worker that opened it;
 * - a worker started again while another serves takes no connection before it is ready (`--listen`,
 *   `--health-listen`), even while it waits for a database that cannot be reached; a stop then is not held behind it;
 * - a worker that does not stop within the grace is killed, and the stop reports it;
 * - the parent of `npx gatehouse server --workers N` exiting while the workers start stops the server once started.
 * `startWorkers` runs in this test's process (the supervisor, node:cluster's primary) where an option the CLI does not
 * take (the heartbeat timeout) keeps the test short; the parent's exit goes through the real executable.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startWorkers, type RunningWorkers } from '../src/main/workers.ts';
import { GATEHOUSE_BIN, keysOf } from './support/processes.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';
import { signerFor, type RawRequest } from '../bench/support/sign.ts';

const PATH = process.env['PATH'] ?? '/usr/bin:/bin';
let work = '';
let fresh = 0;
const freshDir = (): string => join(work, `data-${++fresh}`);

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'gatehouse-server-workers-ops-'));
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

/** One HTTP exchange over `agent` (`false`: a connection of its own, so the supervisor hands it to the next worker). */
const exchange = (url: string, agent: Agent | false, r: { method: string; path: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const req = request(`${url}${r.path}`, { method: r.method, headers: r.headers ?? {}, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(r.body ?? '');
  });

const portOpen = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
};

describe('jobs across workers', () => {
  let w: RunningWorkers | undefined;
  after(async () => {
    await w?.stop();
  });

  test("a launcher heard by one worker keeps its job Running; a job's end through any worker closes its metadata port", async () => {
    const dataDir = freshDir();
    // Swept every 500 ms, Failed after 1 s unheard.
    w = await startWorkers({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: { PATH }, log: () => {}, jobHeartbeatTimeoutMs: 1000 }, 2);
    const running = w;
    const admin = JSON.parse(readFileSync(join(dataDir, 'admin-credentials.json'), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
    const sign = signerFor(running.url, keysOf(admin), 'gatehouse');
    // Every call of the submitter on one connection: one worker opens both jobs' metadata ports.
    const submitter = new Agent({ keepAlive: true, maxSockets: 1 });
    const signed = async (method: string, path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
      const r: RawRequest = await sign({ method, path, body: JSON.stringify(body), contentType: 'application/json' });
      const a = await exchange(running.url, submitter, r);
      return { status: a.status, json: JSON.parse(a.body) as Record<string, unknown> };
    };
    assert.equal((await signed('PUT', '/v1/workspaces/w', { members: [{ user: 'admin' }] })).status, 200);
    const jobs: { id: string; capability: string; port: number; launcher: Agent }[] = [];
    for (let i = 0; i < 2; i++) {
      const s = await signed('POST', '/v1/jobs', { workspace: 'w', role: 'none', imds: true });
      assert.equal(s.status, 201, JSON.stringify(s.json));
      const { job, capability, environment } = s.json as { job: { id: string }; capability: string; environment: Record<string, string> };
      const port = Number(new URL(environment['AWS_EC2_METADATA_SERVICE_ENDPOINT'] ?? '').port);
      assert.ok(port > 0 && (await portOpen(port)), `job ${i}'s metadata port listens`);
      // Each launcher on a keep-alive connection of its own, opened one after the other: one to each worker.
      jobs.push({ id: job.id, capability, port, launcher: new Agent({ keepAlive: true, maxSockets: 1 }) });
    }
    const beat = async (j: (typeof jobs)[number], agent: Agent | false = j.launcher): Promise<{ stop: boolean; state: string; reason?: string }> => {
      const r = await exchange(running.agentUrl, agent, { method: 'POST', path: '/v1/launcher/heartbeat', headers: { authorization: j.capability } });
      assert.equal(r.status, 200, r.body);
      return JSON.parse(r.body) as { stop: boolean; state: string; reason?: string };
    };
    // Heartbeats every 300 ms for 3 s: each job is heard by one worker only, and the sweep of the other saw it unheard
    // for more than the timeout (before the fix, one of them was marked Failed).
    const until = Date.now() + 3_000;
    while (Date.now() < until) {
      for (const j of jobs) assert.deepEqual(await beat(j), { stop: false, state: 'Running' }, `job ${j.id} stays Running while its launcher is heard`);
      await sleep(300);
    }
    for (const j of jobs) j.launcher.destroy();
    submitter.destroy();

    // Both ports are held by the worker that took the submissions; the two ends, on connections of their own, reach
    // one worker each: one of them is not the one holding the port.
    for (const j of jobs) {
      const r = await exchange(running.agentUrl, false, { method: 'POST', path: '/v1/launcher/end', headers: { authorization: j.capability }, body: '{"exitCode":0}' });
      assert.equal(r.status, 200, r.body);
    }
    // A port answers 410 for 5 s after its job's end, then closes: waited for up to 10 s more, as the end reaches the
    // worker holding the port through the supervisor (a loaded CI host once read it open at 5.6 s).
    await sleep(5_000);
    for (const j of jobs) {
      const until = Date.now() + 10_000;
      while ((await portOpen(j.port)) && Date.now() < until) await sleep(200);
      assert.equal(await portOpen(j.port), false, `job ${j.id}'s metadata port (${j.port}) closed after its end`);
    }
  });
});

describe('a worker started again while another serves', () => {
  test('takes no connection before it is ready, even while its database cannot be reached; a stop does not wait for it', async (t) => {
    const skip = await pgSkip();
    if (skip !== undefined) return t.skip(skip);
    const schema = `gh_workers_ops_${process.pid}`;
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    // PostgreSQL through a proxy the test can cut.
    const target = new URL(PG_URL);
    let cut = false;
    const sockets = new Set<Socket>();
    const proxy = createServer((client) => {
      if (cut) return void client.destroy();
      const upstream = connect(Number(target.port || 5432), target.hostname);
      const end = (): void => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', end);
        s.on('close', end);
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    const proxied = new URL(target.href);
    proxied.host = `127.0.0.1:${(proxy.address() as { port: number }).port}`;
    const logs: string[] = [];
    let w: RunningWorkers | undefined;
    try {
      w = await startWorkers(
        { dataDir: freshDir(), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', healthListen: '127.0.0.1:0', env: { PATH, GATEHOUSE_DATABASE_URL: proxied.href, GATEHOUSE_DATABASE_SCHEMA: schema }, log: (l) => void logs.push(l) },
        2,
      );
      const running = w;
      // The database gone; worker 2 killed: it is started again after 1 s, and waits for the database.
      cut = true;
      for (const s of sockets) s.destroy();
      process.kill(running.pids()[1] as number, 'SIGKILL');
      const deadline = Date.now() + 15_000;
      while (!logs.some((l) => /^\[worker 2\] the database .* cannot be reached \(attempt 2\)/.test(l))) {
        assert.ok(Date.now() < deadline, `worker 2 did not wait for the database:\n${logs.join('\n')}`);
        await sleep(100);
      }
      // Worker 1 answers from the directory it holds: every connection must be its own, none worker 2's "starting".
      for (const url of [running.url, running.healthUrl as string]) {
        const answers: number[] = [];
        for (let i = 0; i < 8; i++) answers.push((await exchange(url, false, { method: 'GET', path: '/readyz' })).status);
        assert.deepEqual(answers, Array(8).fill(200), `${url}/readyz on fresh connections (before the fix, every other one was worker 2's 503)`);
      }
      // Worker 2 is still starting: the stop ends it at once, not after the 60 s grace.
      const stopStarted = Date.now();
      await running.stop();
      assert.ok(Date.now() - stopStarted < 10_000, `the stop took ${Date.now() - stopStarted} ms`);
    } finally {
      await w?.stop();
      proxy.close();
      for (const s of sockets) s.destroy();
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => {});
    }
  });
});

describe('a worker that does not stop within the grace', () => {
  test('is killed, and the stop says so (the CLI then exits 10, not 0)', async () => {
    const logs: string[] = [];
    const w = await startWorkers({ dataDir: freshDir(), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: { PATH }, log: (l) => logs.push(l) }, 2, { stopGraceMs: 1_500 });
    const [one, two] = w.pids();
    assert.ok(one !== undefined && two !== undefined, 'two workers run');
    // Worker 2 frozen: it cannot finish its requests and its audit log, nor exit.
    process.kill(two, 'SIGSTOP');
    const started = Date.now();
    const failures = await w.stop();
    assert.ok(Date.now() - started < 10_000, 'the stop waited for the grace, not longer');
    assert.deepEqual(failures, ['worker 2 was killed: still stopping after 1.5 s']);
    assert.equal(alive(two), false, 'worker 2 is gone');
    assert.equal(alive(one), false, 'worker 1 stopped');
    assert.ok(logs.some((l) => l === 'worker 2: still stopping after 1.5 s; killed'), logs.join('\n'));
  });

  test('a clean stop reports nothing', async () => {
    const w = await startWorkers({ dataDir: freshDir(), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: { PATH }, log: () => {} }, 2, { stopGraceMs: 5_000 });
    assert.deepEqual(await w.stop(), []);
  });
});

describe('a port chosen for a port 0 that another process takes before the workers bind it', () => {
  test('is chosen again, and the workers start on the new one (CI: EADDRINUSE on --agent-listen failed the start)', async () => {
    // Another process's listener on the first port the supervisor chooses for --agent-listen, as when a connection
    // elsewhere takes it as its local port between the choice and the workers' bind.
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
    const taken = (squatter.address() as { port: number }).port;
    const given: number[] = [];
    let agentChoices = 0;
    const freePort = async (host: string): Promise<number> => {
      // The order of choice: --listen, then --agent-listen.
      const s = createServer();
      await new Promise<void>((r) => s.listen(0, host, r));
      const port = (s.address() as { port: number }).port;
      await new Promise<void>((r) => s.close(() => r()));
      const choice = given.length === 1 && agentChoices++ === 0 ? taken : port;
      given.push(choice);
      return choice;
    };
    const logs: string[] = [];
    let w: RunningWorkers | undefined;
    try {
      w = await startWorkers({ dataDir: freshDir(), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: { PATH }, log: (l) => logs.push(l) }, 2, { stopGraceMs: 5_000, freePort });
      assert.equal(given[1], taken, 'the first choice for --agent-listen was the taken port');
      assert.equal(given.length, 4, `the ports were chosen twice: ${given.join(', ')}`);
      const agentPort = Number(new URL(w.agentUrl).port);
      assert.notEqual(agentPort, taken);
      assert.equal(agentPort, given[3]);
      assert.equal(Number(new URL(w.url).port), given[2]);
      assert.ok(logs.some((l) => /^gatehouse: the port chosen for --agent-listen was taken by another process before the workers bound it \(cannot listen on 127\.0\.0\.1:\d+ \(--agent-listen\): .*EADDRINUSE.*\); choosing the ports again$/.test(l)), logs.join('\n'));
      assert.equal((await exchange(w.url, false, { method: 'GET', path: '/readyz' })).status, 200);
      assert.deepEqual(await w.stop(), []);
    } finally {
      await w?.stop();
      squatter.close();
    }
  });

  test('an address given with its port is not retried: the start fails, naming the option', async () => {
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
    const taken = (squatter.address() as { port: number }).port;
    try {
      await assert.rejects(
        startWorkers({ dataDir: freshDir(), listen: '127.0.0.1:0', agentListen: `127.0.0.1:${taken}`, s3Listen: 'off', env: { PATH }, log: () => {} }, 2, { stopGraceMs: 5_000 }),
        (e: Error) => e.message.startsWith(`cannot listen on 127.0.0.1:${taken} (--agent-listen): `) && /EADDRINUSE/.test(e.message),
      );
    } finally {
      squatter.close();
    }
  });
});

describe('npx: the parent exits while the workers start', () => {
  test('the supervisor stops once started, and its workers with it, instead of serving on orphaned', async () => {
    const dir = freshDir();
    // As `npx` runs it: npm exec, then `sh -c`, then node; the shell is killed as a SIGTERM to npm ends it.
    const sh = spawn('/bin/sh', ['-c', '"$0" "$@"; true', process.execPath, GATEHOUSE_BIN, 'server', '--workers', '2', '--data-dir', dir, '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', 'off'], {
      env: { PATH, HOME: work, npm_command: 'exec' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let output = '';
    sh.stderr?.setEncoding('utf8');
    sh.stderr?.on('data', (d: string) => (output += d));
    let supervisor = 0;
    try {
      // Worker 1 has started to log: the supervisor is starting the workers.
      const deadline = Date.now() + 30_000;
      while (!/^\[worker 1\]/m.test(output)) {
        assert.ok(Date.now() < deadline, `worker 1 said nothing in 30 s:\n${output}`);
        await sleep(20);
      }
      assert.doesNotMatch(output, /workers serving/, 'still starting');
      supervisor = Number(readFileSync(`/proc/${sh.pid}/task/${sh.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
      assert.ok(supervisor > 0);
      sh.kill('SIGKILL');
      const stopDeadline = Date.now() + 20_000;
      while (alive(supervisor)) {
        assert.ok(Date.now() < stopDeadline, `the supervisor serves on, orphaned, 20 s after its parent exited:\n${output}`);
        await sleep(100);
      }
      assert.match(output, /parent process \d+ exited/);
      assert.match(output, /^gatehouse stopped$/m);
      const pids = (/workers serving \S+ \(pids ([\d, ]+)\)/.exec(output)?.[1] ?? '').split(', ').map(Number);
      assert.equal(pids.length, 2, output);
      for (const pid of pids) assert.equal(alive(pid), false, `worker ${pid} stopped`);
    } finally {
      if (supervisor > 0 && alive(supervisor)) process.kill(supervisor, 'SIGKILL');
    }
  });
});
