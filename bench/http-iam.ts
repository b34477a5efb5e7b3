/**
 * The identity directory over the IAM Query API, on loopback: a real server (`startServer` in a child
 * process, bench/support/server.ts) on SQLite in a temporary data dir and on PostgreSQL in a throw-away
 * schema, loaded from this process.
 *
 * Writes (`benchHttpIamWrites`): CreateRole then PutRolePolicy on the new role (one "pair"), from 8
 * concurrent clients over keep-alive connections, each request signed when it is sent (SigV4 with
 * `@smithy/signature-v4`, service `iam`), until 2,000 pairs are done or 10 s have passed (300 pairs or 3 s
 * with `--quick`), after 40 warm-up pairs. The trust policy names the account; the inline policy is one
 * of the bench workload's 5-statement identity policies (bench/workload.ts). IAM caps an account at 1,000
 * roles, so the pairs are spread over enough accounts (created by the root admin through `POST
 * /v1/accounts`) to hold them, at most 900 each; a client starts in account `k mod n` and moves on when it
 * is full. Every answer must be 200 with its result element, except that a 5xx is counted and the call
 * re-signed and re-sent, as the SDKs' standard retry mode does (3 attempts); any other answer fails the
 * bench, and the count of 5xx is a row with target 0. Figures: pairs/s, per-pair latency p50/p99
 * (CreateRole + PutRolePolicy back to back, signing and re-sends included), per-call p50, pairs per
 * server CPU-second, and the rate over the first and last fifth of the pairs (does a growing account slow
 * writes down?).
 *
 * Reads (`benchHttpIamReads`): GetRole with autocannon, 32 connections, 1 s warm-up then 10 s (3 s with
 * `--quick`), on each backend holding 200 roles. GetRole must be signed: 2,048 requests over the 200
 * roles are signed in advance (valid for the ±15 min window, and the server, like AWS, answers a replayed
 * read like a fresh one) and handed out round-robin by one autocannon `setupRequest`. Peer in the same
 * run: a bare `node:http` server in a child process answering every request with a GetRole answer of the
 * same size (read from the real server), so the ratio shows what Gatehouse's own work costs.
 *
 * Run alone: `npx node bench/http-iam.ts [--quick] [--writes | --reads] [--clients N]` (`--clients` for writes).
 */
import { fork } from 'node:child_process';
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile, row, type BenchOptions, type BenchRow } from './report.ts';
import { roles as workloadRoles } from './workload.ts';
import { benchSchemaName, dropSchema, pgUnavailable, PG_URL } from './support/postgres.ts';
import { startServerChild, type ServerChild } from './support/server.ts';
import { iamQuery, send, signerFor, type Creds, type RawRequest, type Signer } from './support/sign.ts';

const ROOT = '000000000000';
const CLIENTS = 8;
const WARMUP_PAIRS = 40;
const PER_ACCOUNT = 900;
const READ_CONNECTIONS = 32;
const READ_ROLES = 200;
const READ_POOL = 2048;

type Backend = 'sqlite' | 'postgres';

/** The part of autocannon's API used here (the package ships no types). */
interface AutocannonResult {
  readonly requests: { readonly total: number };
  readonly latency: { readonly p50: number; readonly p99: number };
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly duration: number;
}
type Autocannon = (opts: {
  url: string;
  connections: number;
  duration: number;
  requests: { setupRequest: (req: RawRequest) => RawRequest; onResponse?: (status: number, body: string) => void }[];
}) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

// ------------------------------------------------------------------------------------------------
// One backend's server, with its cleanup

interface Served {
  readonly server: ServerChild;
  readonly dataDir: string;
  readonly schema: string | undefined;
  close(): Promise<void>;
}

async function serveOn(backend: Backend): Promise<Served> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gh-bench-http-iam-'));
  const schema = backend === 'postgres' ? benchSchemaName() : undefined;
  const cleanup = async (): Promise<void> => {
    if (schema !== undefined) await dropSchema(schema);
    await rm(dataDir, { recursive: true, force: true });
  };
  let server: ServerChild;
  try {
    server = await startServerChild({ dataDir, ...(schema !== undefined ? { databaseUrl: PG_URL, databaseSchema: schema } : {}) });
  } catch (e) {
    await cleanup();
    throw e;
  }
  return {
    server,
    dataDir,
    schema,
    close: async () => {
      try {
        await server.stop();
      } finally {
        await cleanup();
      }
    },
  };
}

function checked(what: string, status: number, body: string, element: string): void {
  if (status !== 200 || !body.includes(`<${element}>`)) throw new Error(`${what} answered ${status}: ${body.slice(0, 300)}`);
}

/** Creates account `id` through the admin API as the root admin; returns its admin's credentials. */
async function createAccount(url: string, agent: Agent, root: Creds, id: string): Promise<Creds> {
  const sign = signerFor(url, root, 'gatehouse');
  const a = await send(url, agent, await sign({ method: 'POST', path: '/v1/accounts', body: JSON.stringify({ id, partition: 'aws', name: `bench ${id}` }), contentType: 'application/json' }));
  if (a.status !== 201) throw new Error(`POST /v1/accounts answered ${a.status}: ${a.body.slice(0, 300)}`);
  const c = JSON.parse(a.body) as { AccessKeyId: string; SecretAccessKey: string };
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey };
}

const trustPolicy = (account: string): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' }] });

// ------------------------------------------------------------------------------------------------
// Writes

interface Account {
  readonly id: string;
  readonly sign: Signer;
  readonly trust: string;
  next: number;
  readonly limit: number;
}

interface WriteRun extends Pairs {
  readonly seconds: number;
  readonly fsyncMs: { readonly p50: number; readonly p99: number };
  readonly serverCpuSeconds: number;
  readonly clientCpuSeconds: number;
}

const sorted = (xs: readonly number[]): Float64Array => Float64Array.from(xs).sort();

/** Sends a signed IAM call; a 5xx is counted and the call re-signed and sent again, as the SDKs' standard retry mode does (3 attempts). */
async function call(url: string, agent: Agent, sign: Signer, action: string, params: Readonly<Record<string, string>>, element: string, counts: { serverErrors: number; lastError: string }): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const a = await send(url, agent, await iamQuery(sign, action, params));
    if (a.status >= 500 && attempt < 3) {
      counts.serverErrors++;
      counts.lastError = a.body.replace(/[\s\S]*<Code>([^<]*)<\/Code><Message>([^<]*)[\s\S]*/, '$1: $2');
      continue;
    }
    checked(`${action} ${params['RoleName'] ?? ''}`, a.status, a.body, element);
    return;
  }
}

interface Pairs {
  readonly pairs: number;
  /** Per pair, ms, ascending. */
  readonly pairMs: Float64Array;
  readonly createMs: Float64Array;
  readonly putMs: Float64Array;
  /** Completion times (ms since the start), in completion order. */
  readonly done: readonly number[];
  /** Answers 5xx that were retried, and the last one's code and message. */
  readonly serverErrors: number;
  readonly lastError: string;
}

async function writePairs(url: string, agent: Agent, accounts: readonly Account[], documents: readonly string[], deadline: number, prefix: string, clients: number): Promise<Pairs> {
  const pair: number[] = [];
  const create: number[] = [];
  const put: number[] = [];
  const done: number[] = [];
  const counts = { serverErrors: 0, lastError: '' };
  const t0 = performance.now();
  const client = async (k: number): Promise<void> => {
    // A client starts in its own account and moves to the next when that one is full.
    for (let j = 0; j < accounts.length; j++) {
      const acct = accounts[(k + j) % accounts.length] as Account;
      await fill(acct);
    }
  };
  const fill = async (acct: Account): Promise<void> => {
    for (;;) {
      if (performance.now() >= deadline) return;
      const i = acct.next++;
      if (i >= acct.limit) return;
      const roleName = `${prefix}-${i}`;
      const s = performance.now();
      await call(url, agent, acct.sign, 'CreateRole', { RoleName: roleName, AssumeRolePolicyDocument: acct.trust, Description: `bench role ${i}` }, 'CreateRoleResult', counts);
      const m = performance.now();
      await call(url, agent, acct.sign, 'PutRolePolicy', { RoleName: roleName, PolicyName: 'training', PolicyDocument: documents[i % documents.length] as string }, 'ResponseMetadata', counts);
      const e = performance.now();
      pair.push(e - s);
      create.push(m - s);
      put.push(e - m);
      done.push(e - t0);
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, k) => client(k)));
  return { pairs: pair.length, pairMs: sorted(pair), createMs: sorted(create), putMs: sorted(put), done, ...counts };
}

async function measureWrites(backend: Backend, opts: BenchOptions, clients: number): Promise<WriteRun> {
  const target = opts.quick ? 300 : 2_000;
  const seconds = opts.quick ? 3 : 10;
  const served = await serveOn(backend);
  const { server } = served;
  const agent = new Agent({ keepAlive: true, maxSockets: clients + 2 });
  try {
    const nAccounts = Math.ceil(target / PER_ACCOUNT);
    const creds: { id: string; creds: Creds }[] = [{ id: ROOT, creds: server.admin }];
    for (let a = 1; a < nAccounts; a++) {
      const id = String(100_000_000_000 + a);
      creds.push({ id, creds: await createAccount(server.url, agent, server.admin, id) });
    }
    // `target` pairs in all, split as evenly as the accounts allow.
    const accounts = creds.map(({ id, creds: c }, a) => ({ id, sign: signerFor(server.url, c, 'iam'), trust: trustPolicy(id), next: 0, limit: Math.floor(target / nAccounts) + (a < target % nAccounts ? 1 : 0) }));
    const documents = [...workloadRoles()].map((r) => JSON.stringify(r.policies[0]?.document));

    // Warm-up: the server's and this process's code paths compiled, connections open.
    const warm = [{ ...(accounts[0] as Account), next: 0, limit: WARMUP_PAIRS }];
    await writePairs(server.url, agent, warm, documents, Number.POSITIVE_INFINITY, 'warm', clients);

    const fsyncMs = fsyncProbe(served.dataDir);
    const cpu0 = await server.cpuMicros();
    const own0 = process.cpuUsage();
    const start = performance.now();
    const r = await writePairs(server.url, agent, accounts, documents, start + seconds * 1000, 'bench', clients);
    const wall = (performance.now() - start) / 1000;
    const own = process.cpuUsage(own0);
    const cpu = (await server.cpuMicros()) - cpu0;
    return { ...r, seconds: wall, fsyncMs, serverCpuSeconds: cpu / 1e6, clientCpuSeconds: (own.user + own.system) / 1e6 };
  } finally {
    agent.destroy();
    await served.close();
  }
}

/**
 * fsync latency of the data dir's disk, p50 and p99 in ms over 200 appends of 4 KB: SQLite commits with
 * `synchronous = FULL`, so a busy shared disk shows in the write figures; measured just before them.
 */
function fsyncProbe(dir: string): { p50: number; p99: number } {
  const file = join(dir, 'fsync-probe');
  const fd = openSync(file, 'w');
  const page = Buffer.alloc(4096, 0x5a);
  const ms: number[] = [];
  try {
    for (let i = 0; i < 200; i++) {
      writeSync(fd, page);
      const t = performance.now();
      fsyncSync(fd);
      ms.push(performance.now() - t);
    }
  } finally {
    closeSync(fd);
  }
  const sortedMs = sorted(ms);
  return { p50: percentile(sortedMs, 50), p99: percentile(sortedMs, 99) };
}

/** Pairs per second over a slice of the completions (by completion order). */
function rateOver(done: readonly number[], from: number, to: number): number {
  const a = Math.floor(done.length * from);
  const b = Math.max(a + 1, Math.floor(done.length * to) - 1);
  const ta = a === 0 ? 0 : (done[a - 1] ?? 0);
  const tb = done[b] ?? Number.NaN;
  return (b - a + 1) / ((tb - ta) / 1000);
}

export function benchHttpIamWrites(opts: BenchOptions): Promise<BenchRow[]> {
  return writeRows(opts, CLIENTS);
}

async function writeRows(opts: BenchOptions, clients: number): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const b = 'http-iam-writes';
  const target = opts.quick ? 300 : 2_000;
  rows.push(row(b, 'workload', `CreateRole + PutRolePolicy pairs, ${clients} clients, ≤ ${target.toLocaleString('en-US')} pairs or ${opts.quick ? 3 : 10} s, signed per request`, ''));
  const skip = await pgUnavailable();
  const results: Partial<Record<Backend, number>> = {};
  for (const backend of ['sqlite', 'postgres'] as const) {
    if (backend === 'postgres' && skip !== undefined) {
      rows.push(row(b, 'postgres', `skipped: ${skip}`, ''));
      continue;
    }
    const r = await measureWrites(backend, opts, clients);
    const rate = r.pairs / r.seconds;
    results[backend] = rate;
    opts.log(`http-iam: ${backend} ${r.pairs} pairs in ${r.seconds.toFixed(2)} s = ${rate.toFixed(0)} pairs/s (server ${(r.serverCpuSeconds / r.seconds).toFixed(2)} CPU, client ${(r.clientCpuSeconds / r.seconds).toFixed(2)} CPU)`);
    rows.push(
      row(b, `${backend}: pairs/s`, Math.round(rate), 'pairs/s', backend === 'sqlite' ? { text: '≥ 200', pass: rate >= 200 } : undefined),
      row(b, `${backend}: pairs done / s`, `${r.pairs} in ${r.seconds.toFixed(2)}`, ''),
      row(b, `${backend}: pair latency p50 / p99`, `${percentile(r.pairMs, 50).toFixed(1)} / ${percentile(r.pairMs, 99).toFixed(1)}`, 'ms'),
      row(b, `${backend}: CreateRole p50 / PutRolePolicy p50`, `${percentile(r.createMs, 50).toFixed(1)} / ${percentile(r.putMs, 50).toFixed(1)}`, 'ms'),
      row(b, `${backend}: pairs/s over first / last fifth`, `${rateOver(r.done, 0, 0.2).toFixed(0)} / ${rateOver(r.done, 0.8, 1).toFixed(0)}`, 'pairs/s'),
      row(b, `${backend}: pairs per server CPU-second`, Math.round(r.pairs / r.serverCpuSeconds), 'pairs/s'),
      row(b, `${backend}: CPU share server / client`, `${(r.serverCpuSeconds / r.seconds).toFixed(2)} / ${(r.clientCpuSeconds / r.seconds).toFixed(2)}`, 'cores'),
    );
    if (backend === 'sqlite') rows.push(row(b, 'sqlite: disk fsync of 4 KB p50 / p99, just before', `${r.fsyncMs.p50.toFixed(2)} / ${r.fsyncMs.p99.toFixed(2)}`, 'ms'));
    rows.push(row(b, `${backend}: answers 5xx (re-sent by the client)`, r.serverErrors, '', { text: '0', pass: r.serverErrors === 0 }));
    if (r.lastError !== '') rows.push(row(b, `${backend}: last 5xx`, r.lastError, ''));
  }
  if (results.sqlite !== undefined && results.postgres !== undefined) rows.push(row(b, 'ratio sqlite / postgres', results.sqlite / results.postgres, '×'));
  return rows;
}

// ------------------------------------------------------------------------------------------------
// Reads

interface ReadRun {
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly serverCpuShare: number;
  readonly loadCpuShare: number;
}

async function load(url: string, pool: readonly RawRequest[], seconds: number, element: string, cpuMicros: () => Promise<number>): Promise<ReadRun> {
  let k = 0;
  let bad = '';
  const spec = [
    {
      setupRequest: (req: RawRequest): RawRequest => {
        const r = pool[k++ % pool.length] as RawRequest;
        return { ...req, method: r.method, path: r.path, headers: r.headers, body: r.body };
      },
      onResponse: (status: number, body: string) => {
        if (status !== 200 || !body.includes(`<${element}>`)) bad ||= `${status}: ${body.slice(0, 300)}`;
      },
    },
  ];
  await autocannon({ url, connections: READ_CONNECTIONS, duration: 1, requests: spec });
  const cpu0 = await cpuMicros();
  const own0 = process.cpuUsage();
  const r = await autocannon({ url, connections: READ_CONNECTIONS, duration: seconds, requests: spec });
  const own = process.cpuUsage(own0);
  const cpu = (await cpuMicros()) - cpu0;
  if (bad !== '' || r.non2xx > 0 || r.errors > 0 || r.timeouts > 0) throw new Error(`load on ${url} failed (${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts): ${bad}`);
  return {
    perSecond: r.requests.total / r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    serverCpuShare: cpu / 1e6 / r.duration,
    loadCpuShare: (own.user + own.system) / 1e6 / r.duration,
  };
}

async function measureReads(backend: Backend, seconds: number): Promise<ReadRun & { body: string }> {
  const served = await serveOn(backend);
  const { server } = served;
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  try {
    const sign = signerFor(server.url, server.admin, 'iam');
    const account: Account = { id: ROOT, sign, trust: trustPolicy(ROOT), next: 0, limit: READ_ROLES };
    const documents = [...workloadRoles()].map((r) => JSON.stringify(r.policies[0]?.document));
    await writePairs(server.url, agent, [account], documents, Number.POSITIVE_INFINITY, 'reader', CLIENTS);
    const pool: RawRequest[] = [];
    for (let i = 0; i < READ_POOL; i++) pool.push(await iamQuery(sign, 'GetRole', { RoleName: `reader-${i % READ_ROLES}` }));
    const sample = await send(server.url, agent, pool[0] as RawRequest);
    checked('GetRole', sample.status, sample.body, 'GetRoleResult');
    const r = await load(server.url, pool, seconds, 'GetRoleResult', () => server.cpuMicros());
    return { ...r, body: sample.body };
  } finally {
    agent.destroy();
    await served.close();
  }
}

/** The peer: a bare `node:http` server in a child process answering every request with `body`. */
async function measureBare(body: string, pool: readonly RawRequest[], seconds: number): Promise<ReadRun> {
  const child = fork(fileURLToPath(import.meta.url), ['--bare'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`bare server exited with ${code}`)));
      child.once('message', (m) => resolve((m as { url: string }).url));
      child.send({ body });
    });
    const cpuMicros = () =>
      new Promise<number>((resolve) => {
        child.once('message', (m) => resolve((m as { cpu: number }).cpu));
        child.send('cpu');
      });
    return await load(url, pool, seconds, 'GetRoleResult', cpuMicros);
  } finally {
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await gone;
  }
}

function serveBare(): void {
  process.once('message', (m) => {
    const body = Buffer.from((m as { body: string }).body, 'utf8');
    void import('node:http').then(({ createServer }) => {
      const server = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'text/xml', 'content-length': body.length, 'x-amzn-requestid': crypto.randomUUID() });
          res.end(body);
        });
      });
      server.listen(0, '127.0.0.1', () => {
        const a = server.address();
        process.send?.({ url: `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}` });
      });
      process.on('message', (x) => {
        if (x === 'cpu') {
          const c = process.cpuUsage();
          process.send?.({ cpu: c.user + c.system });
        }
      });
      process.once('SIGTERM', () => process.exit(0));
    });
  });
}

export async function benchHttpIamReads(opts: BenchOptions): Promise<BenchRow[]> {
  const b = 'http-iam-reads';
  const seconds = opts.quick ? 3 : 10;
  const rows: BenchRow[] = [row(b, 'workload', `GetRole over ${READ_ROLES} roles, ${READ_POOL} pre-signed requests, autocannon ${READ_CONNECTIONS} connections, ${seconds} s`, '')];
  const skip = await pgUnavailable();
  let body = '';
  const got: Partial<Record<Backend, ReadRun>> = {};
  for (const backend of ['sqlite', 'postgres'] as const) {
    if (backend === 'postgres' && skip !== undefined) {
      rows.push(row(b, 'postgres', `skipped: ${skip}`, ''));
      continue;
    }
    const r = await measureReads(backend, seconds);
    body ||= r.body;
    got[backend] = r;
    opts.log(`http-iam: ${backend} GetRole ${Math.round(r.perSecond)} req/s (server ${r.serverCpuShare.toFixed(2)} CPU, autocannon ${r.loadCpuShare.toFixed(2)} CPU)`);
  }
  // The peer answers any request; the pool only needs the same shape and size as the real one.
  const peerPool: RawRequest[] = [];
  const sign = signerFor('http://127.0.0.1:1', { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }, 'iam');
  for (let i = 0; i < READ_POOL; i++) peerPool.push(await iamQuery(sign, 'GetRole', { RoleName: `reader-${i % READ_ROLES}` }));
  const bare = await measureBare(body, peerPool, seconds);
  opts.log(`http-iam: bare node:http ${Math.round(bare.perSecond)} req/s (server ${bare.serverCpuShare.toFixed(2)} CPU, autocannon ${bare.loadCpuShare.toFixed(2)} CPU)`);
  for (const backend of ['sqlite', 'postgres'] as const) {
    const r = got[backend];
    if (r === undefined) continue;
    rows.push(
      row(b, `${backend}: GetRole`, Math.round(r.perSecond), 'requests/s'),
      row(b, `${backend}: GetRole latency p50 / p99`, `${r.p50} / ${r.p99}`, 'ms'),
      row(b, `${backend}: GetRole per server CPU-second`, Math.round(r.perSecond / r.serverCpuShare), 'requests/s'),
      row(b, `${backend}: ratio bare node:http / Gatehouse`, bare.perSecond / r.perSecond, '×'),
    );
  }
  rows.push(
    row(b, `bare node:http, same ${Buffer.byteLength(body)}-byte answer`, Math.round(bare.perSecond), 'requests/s'),
    row(b, 'bare node:http latency p50 / p99', `${bare.p50} / ${bare.p99}`, 'ms'),
  );
  return rows;
}

if (import.meta.main) {
  if (process.argv.includes('--bare')) serveBare();
  else {
    const { table } = await import('./report.ts');
    const o: BenchOptions = { quick: process.argv.includes('--quick'), log: (m) => process.stderr.write(`${m}\n`) };
    const i = process.argv.indexOf('--clients');
    const clients = i >= 0 ? Number(process.argv[i + 1]) : CLIENTS;
    const rows: BenchRow[] = [];
    if (!process.argv.includes('--reads')) rows.push(...(await writeRows(o, clients)));
    if (!process.argv.includes('--writes')) rows.push(...(await benchHttpIamReads(o)));
    process.stdout.write(`${table(rows)}\n`);
  }
}
