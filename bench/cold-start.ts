/**
 * Cold start of `gatehouse server`: the time from spawning `process.execPath bin/gatehouse.js server
 * --data-dir D --listen 127.0.0.1:P --agent-listen 127.0.0.1:Q` until `GET /readyz` answers 200 (polled
 * every 5 ms), on SQLite in a temporary data dir and on PostgreSQL in a throw-away schema (selected with
 * `options=-c search_path=…` in `GATEHOUSE_DATABASE_URL`, as an operator would).
 *
 * Per backend:
 * - first start: empty data dir (master key created, migrations, root account and admin bootstrapped).
 *   The server listens, and so answers `/readyz`, before it bootstraps; the time until
 *   `admin-credentials.json` is written is reported too, and whether it existed at the first 200 (a
 *   readiness probe that passes before the root account exists is a finding, not a bench choice);
 * - restart of that store (still empty but for the bootstrap);
 * - restart with 10,000 roles: 9 more accounts are added, and each of the 10 accounts gets 1,000 roles
 *   (IAM's per-account quota), every role with a trust policy and a 5-statement inline policy of the bench
 *   workload (bench/workload.ts). They are written straight through the store API in one transaction per
 *   account, not over HTTP (the time is reported too).
 * Restarts are repeated (5 times, 2 with `--quick`); the median and the worst are reported. Each server is
 * stopped with SIGTERM (SIGKILL after 10 s) before the next starts. Peer in the same run: the CLI's floor,
 * `bin/gatehouse.js --version` from spawn to exit (Node.js start, type stripping, CLI modules).
 *
 * Run alone: `npx node bench/cold-start.ts [--quick]`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store } from '../src/app/ports/store.ts';
import { openPostgresStore } from '../src/adapters/store-postgres/store.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { row, type BenchOptions, type BenchRow } from './report.ts';
import { roles as workloadRoles } from './workload.ts';
import { benchSchemaName, dropSchema, pgQuery, pgUnavailable, PG_URL } from './support/postgres.ts';
import { freePort } from './support/server.ts';

const BIN = join(dirname(dirname(fileURLToPath(import.meta.url))), 'bin', 'gatehouse.js');
const ROOT = '000000000000';
const ACCOUNTS = 10;
const ROLES_PER_ACCOUNT = 1_000;
const READY_TIMEOUT_MS = 60_000;
const CREDENTIALS = 'admin-credentials.json';

type Backend = 'sqlite' | 'postgres';

interface Started {
  readonly child: ChildProcess;
  readonly ms: number;
  /** Resident set of the server once ready, MB (Linux), else NaN. */
  readonly rssMb: number;
  /** Whether `admin-credentials.json` existed when `/readyz` first answered 200. */
  readonly credentialsAtReady: boolean;
}

function readyz(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path: '/readyz', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.setTimeout(2000, () => req.destroy());
  });
}

function rssOf(pid: number | undefined): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

async function startAndWait(dataDir: string, env: NodeJS.ProcessEnv): Promise<Started> {
  const port = await freePort();
  const agentPort = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, 'server', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, '--agent-listen', `127.0.0.1:${agentPort}`], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-4000)));
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  for (;;) {
    if (exited !== undefined) throw new Error(`gatehouse server exited with ${exited} before ready: ${stderr.trim()}`);
    if ((await readyz(port)) === 200) break;
    if (performance.now() - t0 > READY_TIMEOUT_MS) {
      await stop(child);
      throw new Error(`gatehouse server not ready after ${READY_TIMEOUT_MS} ms: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const ms = performance.now() - t0;
  return { child, ms, rssMb: rssOf(child.pid), credentialsAtReady: existsSync(join(dataDir, CREDENTIALS)) };
}

/**
 * Waits for the first start's bootstrap (root account, admin, credentials file): the server answers
 * `/readyz` as soon as it listens, which may be before that, and a SIGTERM then would end it half-way.
 * Returns ms since `since`.
 */
async function bootstrapped(dataDir: string, since: number): Promise<number> {
  while (!existsSync(join(dataDir, CREDENTIALS))) {
    if (performance.now() - since > READY_TIMEOUT_MS) throw new Error(`no ${CREDENTIALS} after ${READY_TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return performance.now() - since;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await gone;
  clearTimeout(timer);
}

/** Median and worst of a few restarts; every server is stopped before the next. */
async function restarts(n: number, dataDir: string, env: NodeJS.ProcessEnv): Promise<{ median: number; worst: number; rssMb: number }> {
  const ms: number[] = [];
  let rssMb = Number.NaN;
  for (let i = 0; i < n; i++) {
    const s = await startAndWait(dataDir, env);
    ms.push(s.ms);
    rssMb = s.rssMb;
    await stop(s.child);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[Math.floor((ms.length - 1) / 2)] ?? Number.NaN, worst: ms[ms.length - 1] ?? Number.NaN, rssMb };
}

/** 9 more accounts, then 1,000 roles with an inline policy in each of the 10 accounts; returns ms. */
async function populate(store: Store): Promise<number> {
  const documents = [...workloadRoles()].map((r) => JSON.stringify(r.policies[0]?.document));
  const t0 = performance.now();
  const created = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  for (let a = 0; a < ACCOUNTS; a++) {
    const account = a === 0 ? ROOT : String(100_000_000_000 + a);
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' }] });
    await store.write(async (tx) => {
      if (a > 0) {
        const r = await tx.accounts.create({ id: account, partition: 'aws', name: `bench ${a}`, created });
        if (!r.ok) throw new Error(`cannot create account ${account}: ${r.error.message}`);
      }
      for (let i = 0; i < ROLES_PER_ACCOUNT; i++) {
        const name = `team-${a}-role-${i}`;
        const id = `AROA${randomBytes(12).toString('hex').toUpperCase().slice(0, 17)}`;
        const r = await tx.roles.create({ account, name, path: '/training/', id, created, trustPolicy: trust, description: '', maxSessionDuration: 3600, tags: [], permissionsBoundary: null });
        if (!r.ok) throw new Error(`cannot create role ${name}: ${r.error.message}`);
        const p = await tx.inlinePolicies.put({ type: 'role', account, name }, 'training', documents[i % documents.length] as string);
        if (!p.ok) throw new Error(`cannot put the policy of ${name}: ${p.error.message}`);
      }
    });
  }
  return performance.now() - t0;
}

/** The CLI's floor: `bin/gatehouse.js --version`, spawn to exit, median of n. */
async function cliFloor(n: number): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      const c = spawn(process.execPath, [BIN, '--version'], { stdio: 'ignore' });
      c.once('error', reject);
      c.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`gatehouse --version exited with ${code}`))));
    });
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return ms[Math.floor((ms.length - 1) / 2)] ?? Number.NaN;
}

interface Figures {
  readonly first: number;
  /** First start: spawn until the credentials file is written (bootstrap done). */
  readonly firstBootstrapped: number;
  readonly credentialsAtReady: boolean;
  readonly empty: { median: number; worst: number; rssMb: number };
  readonly populateMs: number;
  readonly full: { median: number; worst: number; rssMb: number };
}

async function measure(backend: Backend, n: number): Promise<Figures> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gh-bench-cold-start-'));
  const schema = backend === 'postgres' ? benchSchemaName() : undefined;
  // The server inherits the environment (PATH, HOME) but never a database URL of the caller's.
  const { GATEHOUSE_DATABASE_URL: _ignored, ...base } = process.env;
  const env: NodeJS.ProcessEnv = schema === undefined ? base : { ...base, GATEHOUSE_DATABASE_URL: withSearchPath(PG_URL, schema) };
  try {
    if (schema !== undefined) await pgQuery(`CREATE SCHEMA ${schema}`);
    const t0 = performance.now();
    const first = await startAndWait(dataDir, env);
    const firstBootstrapped = await bootstrapped(dataDir, t0);
    await stop(first.child);
    const empty = await restarts(n, dataDir, env);
    const store = schema === undefined ? await openSqliteStore({ dataDir }) : await openPostgresStore({ url: PG_URL, schema });
    let populateMs: number;
    try {
      populateMs = await populate(store);
    } finally {
      await store.close();
    }
    const full = await restarts(n, dataDir, env);
    return { first: first.ms, firstBootstrapped, credentialsAtReady: first.credentialsAtReady, empty, populateMs, full };
  } finally {
    if (schema !== undefined) await dropSchema(schema);
    await rm(dataDir, { recursive: true, force: true });
  }
}

function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

export async function benchColdStart(opts: BenchOptions): Promise<BenchRow[]> {
  const b = 'cold-start';
  const n = opts.quick ? 2 : 5;
  const rows: BenchRow[] = [row(b, 'workload', `spawn → /readyz 200; restarts: median of ${n}; ${(ACCOUNTS * ROLES_PER_ACCOUNT).toLocaleString('en-US')} roles = ${ACCOUNTS} accounts × ${ROLES_PER_ACCOUNT.toLocaleString('en-US')}, each with an inline policy`, '')];
  const floor = await cliFloor(n);
  const skip = await pgUnavailable();
  for (const backend of ['sqlite', 'postgres'] as const) {
    if (backend === 'postgres' && skip !== undefined) {
      rows.push(row(b, 'postgres', `skipped: ${skip}`, ''));
      continue;
    }
    const f = await measure(backend, n);
    opts.log(`cold-start: ${backend} first ${f.first.toFixed(0)} ms, empty ${f.empty.median.toFixed(0)} ms, 10k roles ${f.full.median.toFixed(0)} ms (populated in ${f.populateMs.toFixed(0)} ms)`);
    const under2s = (ms: number) => ({ text: '< 2000', pass: ms < 2000 });
    rows.push(
      row(b, `${backend}: first start, empty data dir`, Math.round(f.first), 'ms', under2s(f.first)),
      row(b, `${backend}: first start, until the admin credentials are written`, Math.round(f.firstBootstrapped), 'ms'),
      row(b, `${backend}: bootstrap done when /readyz first answers 200`, f.credentialsAtReady ? 'yes' : 'no', '', { text: 'yes', pass: f.credentialsAtReady }),
      row(b, `${backend}: restart, empty store (median / worst)`, `${f.empty.median.toFixed(0)} / ${f.empty.worst.toFixed(0)}`, 'ms', under2s(f.empty.worst)),
      row(b, `${backend}: restart, 10,000 roles (median / worst)`, `${f.full.median.toFixed(0)} / ${f.full.worst.toFixed(0)}`, 'ms', under2s(f.full.worst)),
      row(b, `${backend}: server RSS when ready, empty / 10,000 roles`, `${f.empty.rssMb.toFixed(0)} / ${f.full.rssMb.toFixed(0)}`, 'MB'),
      row(b, `${backend}: writing 10,000 roles + policies through the store`, Math.round(f.populateMs), 'ms'),
    );
  }
  rows.push(row(b, 'peer: gatehouse --version, spawn to exit (median)', Math.round(floor), 'ms'));
  return rows;
}

if (import.meta.main) {
  const { table } = await import('./report.ts');
  const rows = await benchColdStart({ quick: process.argv.includes('--quick'), log: (m) => process.stderr.write(`${m}\n`) });
  process.stdout.write(`${table(rows)}\n`);
}
