/**
 * Credential delivery to training jobs (issue "Training jobs").
 *
 * `benchAgentEndpoint`: a real `gatehouse server` (startServer, SQLite in a temporary data dir) in a child
 * process on 127.0.0.1; one job submitted through `POST /v1/jobs` (role `default`); autocannon from this
 * process against the job's container endpoint (`AWS_CONTAINER_CREDENTIALS_FULL_URI` with
 * `AWS_CONTAINER_AUTHORIZATION_TOKEN`) and its credentials URI (`ALIBABA_CLOUD_CREDENTIALS_URI`), 10
 * connections, no pipelining, 1 s warm-up then 5 s timed (2 s with `--quick`). Every answer must be 200 and
 * the job must have had exactly one issuance: everything else came from the cache.
 *
 * `benchAgentRelay`: the same container endpoint through `gatehouse agent` (the node agent, a child process),
 * against the server's endpoint directly in the same run.
 *
 * `benchAgentFleet`: in process, a real app over SQLite and a simulated clock: 1,000 jobs × 8 ranks; every
 * 10 simulated minutes all 8,000 ranks ask `app.jobs.credentialsFor` at once, for 1.75 session lifetimes
 * (12-hour sessions: refreshed at half-life ± 5%). Issuances are counted per refresh window (windows of
 * half a lifetime, centred on the refresh times 0, ½, 1, 1½ lifetimes): each must equal the number of jobs,
 * and the app's own issuance counter must equal the number of distinct keys the ranks saw.
 *
 * Run alone: `npx node bench/agent.ts [--quick]`. Profile the server child:
 * `GATEHOUSE_BENCH_SERVER_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npx node bench/agent.ts`.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { createApp, type AppDeps } from '../src/app/index.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { row, type BenchOptions, type BenchRow } from './report.ts';
import { freePort } from './support/server.ts';

const REGION = 'us-east-1';
const CONNECTIONS = 10;

/** The part of autocannon's API used here (the package ships no types). */
interface AutocannonResult {
  readonly requests: { readonly average: number; readonly total: number };
  readonly latency: { readonly p50: number; readonly p99: number; readonly p99_9?: number; readonly average: number; readonly max: number };
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly duration: number;
}
type Autocannon = (opts: { url: string; connections: number; duration: number; headers?: Record<string, string> }) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

interface Started {
  readonly url: string;
  readonly agentUrl: string;
  readonly admin: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** Child mode: serve until the parent disconnects; answer `cpu` with `process.cpuUsage()`. */
async function serve(dataDir: string): Promise<void> {
  const { startServer } = await import('../src/main/server.ts');
  const running = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => {} });
  const c = running.adminCredentials;
  process.on('message', (m) => {
    if (m === 'cpu') process.send?.({ cpu: process.cpuUsage() });
  });
  process.on('disconnect', () => void running.stop().then(() => process.exit(0)));
  process.send?.({ url: running.url, agentUrl: running.agentUrl, admin: { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '' } } satisfies Started);
}

async function startChild(dataDir: string): Promise<{ child: ChildProcess; started: Started; cpuMicros: () => Promise<number> }> {
  const execArgv = (process.env['GATEHOUSE_BENCH_SERVER_ARGS'] ?? '').split(' ').filter((a) => a !== '');
  const child = fork(fileURLToPath(import.meta.url), ['--serve', dataDir], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv });
  const started = await new Promise<Started>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server child exited with ${code}`)));
    child.once('message', (m) => resolve(m as Started));
  });
  const cpuMicros = () =>
    new Promise<number>((resolve) => {
      child.once('message', (m) => {
        const c = (m as { cpu: { user: number; system: number } }).cpu;
        resolve(c.user + c.system);
      });
      child.send('cpu');
    });
  return { child, started, cpuMicros };
}

async function load(url: string, headers: Record<string, string>, seconds: number, cpuMicros: () => Promise<number>) {
  await autocannon({ url, connections: CONNECTIONS, duration: 1, headers });
  const cpu0 = await cpuMicros();
  const r = await autocannon({ url, connections: CONNECTIONS, duration: seconds, headers });
  const cpu = (await cpuMicros()) - cpu0;
  if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0) throw new Error(`${url}: ${r.non2xx} non-2xx answers, ${r.errors} errors, ${r.timeouts} timeouts`);
  return { perSecond: r.requests.total / r.duration, p50: r.latency.p50, p99: r.latency.p99, perCpuSecond: r.requests.total / (cpu / 1e6) };
}

/** A server child with one running job (role `default`), its first credentials fetched; removed after `fn`. */
async function withJob<T>(fn: (j: { started: Started; conn: Connection; jobId: string; env: Record<string, string>; capability: string; cpuMicros: () => Promise<number> }) => Promise<T>): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gh-bench-agent-'));
  const { child, started, cpuMicros } = await startChild(dataDir);
  try {
    const conn: Connection = { endpoint: new URL(started.url), credentials: started.admin, region: REGION, credentialsSource: 'bench' };
    const ws = await call(conn, 'PUT', ['workspaces', 'bench'], { body: { members: [{ user: 'admin' }], defaultBucket: 'arn:aws:s3:::bench-data' } });
    if (!ws.ok) throw new Error(`workspace: ${ws.message}`);
    const job = await call<{ job: { id: string }; capability: string; environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'bench', role: 'default' } });
    if (!job.ok) throw new Error(`submit: ${job.message}`);
    const env = job.value.environment;
    const container = env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '';
    const capability = env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '';
    // The launcher's first heartbeat: the job is Running, as when its processes poll.
    await fetch(`${started.agentUrl}/v1/launcher/heartbeat`, { method: 'POST', headers: { authorization: capability } });
    const first = await fetch(container, { headers: { authorization: capability } });
    const doc = (await first.json()) as Record<string, string>;
    if (first.status !== 200 || !/^ASIA/.test(doc['AccessKeyId'] ?? '')) throw new Error(`container endpoint answered ${first.status}: ${JSON.stringify(doc)}`);
    return await fn({ started, conn, jobId: job.value.job.id, env, capability, cpuMicros });
  } finally {
    const gone = new Promise((r) => child.once('exit', r));
    child.disconnect();
    await gone;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Issuances of the job so far: one means every answer came from a cache. */
async function issuances(conn: Connection, jobId: string): Promise<number> {
  const events = await call<{ events: { type: string }[] }>(conn, 'GET', ['jobs', jobId, 'events']);
  if (!events.ok) throw new Error(`events: ${events.message}`);
  return events.value.events.filter((e) => e.type === 'credentials-issued').length;
}

export async function benchAgentEndpoint(opts: BenchOptions): Promise<BenchRow[]> {
  const seconds = opts.quick ? 2 : 5;
  return withJob(async ({ conn, jobId, env, capability, cpuMicros }) => {
    opts.log(`  container endpoint, ${CONNECTIONS} connections, ${seconds} s`);
    const aws = await load(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', { authorization: capability }, seconds, cpuMicros);
    opts.log(`  credentials URI, ${CONNECTIONS} connections, ${seconds} s`);
    const uri = await load(env['ALIBABA_CLOUD_CREDENTIALS_URI'] ?? '', {}, seconds, cpuMicros);
    const issued = await issuances(conn, jobId);
    if (issued !== 1) throw new Error(`${issued} issuances for one job: the endpoint did not serve from its cache`);
    return [
      row('agent-endpoint', 'container endpoint: requests/s', Math.round(aws.perSecond), 'req/s', { text: '≥ 20000', pass: aws.perSecond >= 20_000 }),
      row('agent-endpoint', 'container endpoint: p99 latency', aws.p99, 'ms', { text: '< 5', pass: aws.p99 < 5 }),
      row('agent-endpoint', 'container endpoint: p50 latency', aws.p50, 'ms'),
      row('agent-endpoint', 'container endpoint: per server CPU-second', Math.round(aws.perCpuSecond), 'req/CPU-s'),
      row('agent-endpoint', 'credentials URI: requests/s', Math.round(uri.perSecond), 'req/s'),
      row('agent-endpoint', 'credentials URI: p99 latency', uri.p99, 'ms'),
      row('agent-endpoint', 'issuances during the run', issued, 'sessions', { text: '= 1', pass: issued === 1 }),
    ];
  });
}

/** CPU time (µs) a process has used so far, from /proc (Linux). */
function procCpuMicros(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  // utime and stime, fields 14 and 15 of stat (11 and 12 after the command), in clock ticks (100 a second here).
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/**
 * `gatehouse agent` (the node agent's relay, the real command in a child process) in front of the server's
 * container endpoint, against that endpoint served directly in the same run (the peer): requests/s, latency and
 * requests per relay CPU-second, and the job's issuances (one: both sides served from their caches).
 */
export async function benchAgentRelay(opts: BenchOptions): Promise<BenchRow[]> {
  const seconds = opts.quick ? 2 : 5;
  return withJob(async ({ started, conn, jobId, env, capability, cpuMicros }) => {
    const port = await freePort();
    const relay = spawn(process.execPath, [fileURLToPath(new URL('../bin/gatehouse.js', import.meta.url)), 'agent', '--upstream', started.agentUrl, '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    relay.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    try {
      const until = Date.now() + 30_000;
      while (!err.includes('serving job credentials') && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      if (!err.includes('serving job credentials')) throw new Error(`gatehouse agent did not start: ${err}`);
      const headers = { authorization: capability };
      opts.log(`  container endpoint directly, ${CONNECTIONS} connections, ${seconds} s`);
      const direct = await load(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', headers, seconds, cpuMicros);
      opts.log(`  the same through gatehouse agent, ${CONNECTIONS} connections, ${seconds} s`);
      const pid = relay.pid ?? 0;
      const via = await load(`http://127.0.0.1:${port}/v1/container-credentials`, headers, seconds, async () => procCpuMicros(pid));
      const issued = await issuances(conn, jobId);
      if (issued !== 1) throw new Error(`${issued} issuances for one job: an answer did not come from a cache`);
      return [
        row('agent-relay', 'workload', `one job's container endpoint, autocannon ${CONNECTIONS} connections, ${seconds} s a run: the server's endpoint, then gatehouse agent (a child process) relaying it`, ''),
        row('agent-relay', 'through gatehouse agent: requests/s', Math.round(via.perSecond), 'req/s'),
        row('agent-relay', 'the server endpoint directly (peer, same run): requests/s', Math.round(direct.perSecond), 'req/s'),
        row('agent-relay', 'ratio agent / direct', via.perSecond / direct.perSecond, '×'),
        row('agent-relay', 'through gatehouse agent: p50 / p99 latency', `${via.p50} / ${via.p99}`, 'ms'),
        row('agent-relay', 'gatehouse agent: requests per CPU-second', Math.round(via.perCpuSecond), 'req/CPU-s'),
        row('agent-relay', 'issuances during the runs', issued, 'sessions', { text: '= 1', pass: issued === 1 }),
      ];
    } finally {
      const gone = new Promise((r) => relay.once('exit', r));
      relay.kill('SIGTERM');
      await gone;
    }
  });
}

export async function benchAgentFleet(opts: BenchOptions): Promise<BenchRow[]> {
  const JOBS = 1000;
  const RANKS = 8;
  const LIFE_MS = 43_200_000; // the default job session: 12 hours
  const TICK_MS = 10 * 60_000;
  const windows = opts.quick ? 2 : 4;
  const dir = mkdtempSync(join(tmpdir(), 'gh-bench-fleet-'));
  const store = await openSqliteStore({ dataDir: dir });
  const key = masterKeyFromBytes(randomBytes(32));
  let clock = Date.now();
  const deps: AppDeps = {
    store,
    now: () => clock,
    randomBytes: (n) => randomBytes(n),
    sealer: secretSealer(key),
    sessions: sessionCrypto,
  };
  try {
    const app = createApp(deps);
    await app.start();
    const admin = await app.bootstrap();
    if (!admin) throw new Error('bootstrap created no admin');
    const who = await app.authenticate(admin.AccessKeyId);
    if (!who.ok) throw new Error('admin key does not authenticate');
    const caller = who.value.caller;
    await store.write((tx) => app.jobs.putWorkspace(tx, { account: caller.account, name: 'fleet', members: [{ user: 'admin' }], defaultBucket: 'arn:aws:s3:::fleet-data' }));
    opts.log(`  submitting ${JOBS} jobs`);
    const capabilities: string[] = [];
    for (let i = 0; i < JOBS; i++) {
      const s = await app.jobs.submit(caller, { workspace: 'fleet', role: 'default', replicas: RANKS });
      if (!s.ok) throw new Error(`submit: ${s.errors[0]?.message}`);
      capabilities.push(s.value.capability);
    }

    const t0 = clock;
    const half = LIFE_MS / 2;
    const perWindow = new Array<number>(windows).fill(0);
    const keysOfJob = capabilities.map(() => new Set<string>());
    const issuedBefore = app.jobs.issuanceCount();
    let polls = 0;
    let pollMs = 0;
    for (clock = t0; clock < t0 + (windows - 0.5) * half; clock += TICK_MS) {
      const started = performance.now();
      const answers = await Promise.all(capabilities.flatMap((cap) => Array.from({ length: RANKS }, () => app.jobs.credentialsFor(cap))));
      pollMs += performance.now() - started;
      polls += answers.length;
      const window = Math.round((clock - t0) / half);
      for (const [i, a] of answers.entries()) {
        if (!a.ok) throw new Error(`poll refused: ${a.error.status} ${a.error.message}`);
        const seen = keysOfJob[Math.floor(i / RANKS)] as Set<string>;
        if (!seen.has(a.value.credentials.accessKeyId)) {
          seen.add(a.value.credentials.accessKeyId);
          perWindow[window] = (perWindow[window] ?? 0) + 1;
        }
        if (a.value.credentials.expiration - clock < 30 * 60_000) throw new Error('served credentials with less than 30 minutes left');
      }
      // The simulated clock jumps ten minutes a tick: the sessions' audit records are written before it does, or
      // they would seem to have waited that long and the closed audit gate would stop issuance.
      await app.audit.flush();
    }
    const issued = app.jobs.issuanceCount() - issuedBefore;
    const distinct = keysOfJob.reduce((n, s) => n + s.size, 0);
    if (issued !== distinct) throw new Error(`${issued} issuances but ${distinct} distinct keys seen`);
    const exact = perWindow.every((n) => n === JOBS);
    return [
      row('agent-fleet', `issuances per refresh window (${JOBS} jobs × ${RANKS} ranks, ${windows} windows)`, perWindow.join(' / '), 'sessions', { text: `= ${JOBS} each`, pass: exact }),
      row('agent-fleet', 'polls answered', polls, 'polls'),
      row('agent-fleet', 'polls per issuance', Math.round(polls / issued), 'polls'),
      row('agent-fleet', 'in-process polls/s (all 8,000 ranks at once, issuance ticks included)', Math.round(polls / (pollMs / 1000)), 'polls/s'),
    ];
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const i = process.argv.indexOf('--serve');
  if (i >= 0) await serve(process.argv[i + 1] ?? '');
  else {
    const { table } = await import('./report.ts');
    const o: BenchOptions = { quick: process.argv.includes('--quick'), log: (m) => process.stderr.write(`${m}\n`) };
    process.stdout.write(`${table([...(await benchAgentEndpoint(o)), ...(await benchAgentRelay(o)), ...(await benchAgentFleet(o))])}\n`);
  }
}
