/**
 * Training jobs at scale (review ar): what listing jobs and appending a job's events cost once an account holds
 * 20,000 jobs, on SQLite and on PostgreSQL. A real server in this process (`startServer`); the jobs are written
 * straight into the store as `gatehouse jobs run` would have left them (ended, with their capability and their
 * `submitted` event), and the server asked over HTTP, signed as the root admin:
 *
 * - `GET /v1/jobs` (the first page; an answer with every job before pagination), and every page of the listing
 *   followed to its end (`limit=1000`);
 * - `POST /v1/jobs/{id}/stop` of a Running job holding one event, and of one holding 999 events: the stop appends
 *   the job's `ended` event, the 2nd or the 1,000th;
 * - `GET /v1/workspaces` of an account with 3 workspaces (one listing of a key prefix of the store's key/value table).
 *
 * Medians of a few rounds after one warm-up; times are wall-clock of the whole request.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { ADMIN_CREDENTIALS_FILE, startServer, type RunningServer } from '../src/main/server.ts';
import { appendJobEvent } from '../src/app/jobs.ts';
import { median, row, type BenchOptions, type BenchRow } from './report.ts';
import { benchSchemaName, dropSchema, pgQuery, pgUnavailable, PG_URL } from './support/postgres.ts';
import { send, signerFor, type Creds } from './support/sign.ts';

const A = '000000000000';
const JOBS = 20_000;
const EVENTED = 5;

const jobDoc = (id: string, state: string, i: number): string =>
  JSON.stringify({
    id,
    account: A,
    partition: 'aws',
    workspace: `ws${i % 3}`,
    name: `job-${id}`,
    submitter: { arn: `arn:aws:iam::${A}:user/admin`, name: 'admin' },
    role: { mode: 'none' },
    replicas: 1,
    state,
    created: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ...(state === 'Succeeded' ? { started: '2026-01-01T00:00:00Z', ended: '2026-01-01T01:00:00Z', exitCode: 0 } : {}),
    capabilityHash: id.padEnd(64, '0'),
  });
const eventDoc = (seq: number, type: string): string => JSON.stringify({ seq, at: '2026-01-01T00:00:00Z', type, message: `event ${seq}` });
const seqKey = (id: string, seq: number): string => `jobevent/${id}/${String(seq).padStart(8, '0')}`;

/** Every key/value row the seeded jobs have: 20,000 ended jobs, and Running ones with 1 and with 999 events. */
function seedRows(): [string, string][] {
  const rows: [string, string][] = [];
  for (let i = 0; i < JOBS; i++) {
    const id = `b${String(i).padStart(11, '0')}`;
    rows.push([`job/${id}`, jobDoc(id, 'Succeeded', i)], [`jobcap/${id.padEnd(64, '0')}`, id], [seqKey(id, 1), eventDoc(1, 'submitted')]);
  }
  for (const events of [1, 999]) {
    for (let k = 0; k < EVENTED; k++) {
      const id = `e${events}x${k}`;
      rows.push([`job/${id}`, jobDoc(id, 'Running', JOBS + k)], [`joblive/${id}`, id]);
      for (let s = 1; s <= events; s++) rows.push([seqKey(id, s), eventDoc(s, s === 1 ? 'submitted' : 'credentials-issued')]);
    }
  }
  return rows;
}

async function seed(running: RunningServer, schema: string | undefined): Promise<void> {
  const rows = seedRows();
  if (schema === undefined) {
    await running.app.deps.store.write(async (tx) => {
      for (const [k, v] of rows) await tx.kv.put(k, v);
    });
    return;
  }
  // Straight into the table, 1,000 rows a statement (the change log does not matter to what is measured).
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000);
    await pgQuery(`INSERT INTO ${schema}.kv (kv_key, kv_value, updated) VALUES ${chunk.map((_, j) => `($${2 * j + 1}, $${2 * j + 2}, '2026-01-01T00:00:00Z')`).join(', ')}`, chunk.flat());
  }
}

const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;
const round1 = (x: number): number => (x < 10 ? Math.round(x * 100) / 100 : Math.round(x * 10) / 10);

async function backend(opts: BenchOptions, which: 'sqlite' | 'postgres'): Promise<BenchRow[]> {
  const b = `jobs-${which}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'gh-bench-jobs-'));
  const schema = which === 'postgres' ? benchSchemaName() : undefined;
  const env: Record<string, string> = schema !== undefined ? { GATEHOUSE_DATABASE_URL: PG_URL, GATEHOUSE_DATABASE_SCHEMA: schema } : {};
  const running = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env, log: () => {} });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const file = JSON.parse(await readFile(join(dataDir, ADMIN_CREDENTIALS_FILE), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
    const admin: Creds = { accessKeyId: file.AccessKeyId, secretAccessKey: file.SecretAccessKey };
    const sign = signerFor(running.url, admin, 'gatehouse');
    const call = async (method: string, path: string, body = ''): Promise<{ status: number; json: Record<string, unknown> }> => {
      const a = await send(running.url, agent, await sign({ method, path, body, contentType: 'application/json' }));
      return { status: a.status, json: a.body === '' ? {} : (JSON.parse(a.body) as Record<string, unknown>) };
    };
    for (const ws of ['ws0', 'ws1', 'ws2']) await call('PUT', `/v1/workspaces/${ws}`, JSON.stringify({ members: [] }));
    opts.log(`${b}: seeding ${JOBS} jobs`);
    let t0 = process.hrtime.bigint();
    await seed(running, schema);
    opts.log(`${b}: seeded in ${Math.round(ms(t0))} ms`);
    const rows: BenchRow[] = [];
    const rounds = opts.quick ? 3 : 5;

    // The first listing: on a store whose jobs were written without the listing's index, it indexes them first.
    t0 = process.hrtime.bigint();
    const first = await call('GET', '/v1/jobs');
    if (first.status !== 200) throw new Error(`GET /v1/jobs answered ${first.status}: ${JSON.stringify(first.json)}`);
    rows.push(row(b, 'GET /v1/jobs, first after start', round1(ms(t0)), 'ms'));
    const times: number[] = [];
    let shown = 0;
    for (let r = 0; r <= rounds; r++) {
      t0 = process.hrtime.bigint();
      const page = await call('GET', '/v1/jobs');
      if (r > 0) times.push(ms(t0));
      shown = (page.json['jobs'] as unknown[]).length;
    }
    rows.push(row(b, `GET /v1/jobs (${shown} jobs in the answer, ${JOBS + 2 * EVENTED} in the account)`, round1(median(times)), 'ms'));
    // Every job, page by page, as `gatehouse jobs list` reads them.
    t0 = process.hrtime.bigint();
    let next: string | undefined;
    let all = 0;
    let pages = 0;
    do {
      const page = await call('GET', `/v1/jobs?limit=1000${next !== undefined ? `&next=${encodeURIComponent(next)}` : ''}`);
      if (page.status !== 200) throw new Error(`GET /v1/jobs answered ${page.status}: ${JSON.stringify(page.json)}`);
      all += (page.json['jobs'] as unknown[]).length;
      next = page.json['next'] as string | undefined;
      pages++;
    } while (next !== undefined && pages < 100);
    rows.push(row(b, `every job (${all}), in ${pages} answer(s)`, round1(ms(t0)), 'ms'));

    for (const events of [1, 999]) {
      const stops: number[] = [];
      for (let k = 0; k < EVENTED; k++) {
        t0 = process.hrtime.bigint();
        const s = await call('POST', `/v1/jobs/e${events}x${k}/stop`, '{}');
        if (s.status !== 200) throw new Error(`stop answered ${s.status}: ${JSON.stringify(s.json)}`);
        stops.push(ms(t0));
      }
      rows.push(row(b, `stop a job holding ${events} event(s) (appends event ${events + 1})`, round1(median(stops.slice(1))), 'ms'));
    }
    // The store's work of one event (`appendJobEvent`, in a write rolled back so every round appends the same one).
    const store = running.app.deps.store;
    for (const events of [1, 999]) {
      const appends: number[] = [];
      for (let r = 0; r <= rounds * 4; r++) {
        t0 = process.hrtime.bigint();
        await store.write(async (tx, abort) => {
          await appendJobEvent(tx, `e${events}x0`, { at: '2026-01-02T00:00:00Z', type: 'credentials-issued', message: 'bench' });
          return abort(undefined);
        });
        if (r > 0) appends.push(ms(t0));
      }
      rows.push(row(b, `append event ${events + 1} of a job (store write, rolled back)`, round1(median(appends)), 'ms'));
    }
    const lists: number[] = [];
    for (let r = 0; r <= rounds * 4; r++) {
      t0 = process.hrtime.bigint();
      await store.read((tx) => tx.kv.list(`ws/${A}/`));
      if (r > 0) lists.push(ms(t0));
    }
    rows.push(row(b, 'kv.list of a prefix holding 3 of the table\'s rows', round1(median(lists)), 'ms'));
    const wsTimes: number[] = [];
    for (let r = 0; r <= rounds; r++) {
      t0 = process.hrtime.bigint();
      await call('GET', '/v1/workspaces');
      if (r > 0) wsTimes.push(ms(t0));
    }
    rows.push(row(b, 'GET /v1/workspaces (3 of them; a key prefix of the key/value table)', round1(median(wsTimes)), 'ms'));
    return rows;
  } finally {
    agent.destroy();
    await running.stop();
    await rm(dataDir, { recursive: true, force: true });
    if (schema !== undefined) await dropSchema(schema).catch(() => undefined);
  }
}

export async function benchJobs(opts: BenchOptions): Promise<BenchRow[]> {
  const rows = await backend(opts, 'sqlite');
  const why = await pgUnavailable();
  if (why !== undefined) return [...rows, row('jobs-postgres', 'skipped', why, '')];
  return [...rows, ...(await backend(opts, 'postgres'))];
}
