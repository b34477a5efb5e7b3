/**
 * Review ed2: a soak of `gatehouse server` on PostgreSQL (bench/soak.ts --pg) printed node-postgres's
 * "Calling client.query() when the client is already executing a query is deprecated and will be removed in pg@9.0".
 * Traced with --trace-deprecation to the jobs sweep: every sweep reads the live jobs with `Promise.all` over `tx` reads
 * (src/app/jobs.ts, sweptJobs), which the PostgreSQL store sent to its transaction's one connection all at once. So do
 * the account summary, apply and pod admission; and the ROLLBACK after a failed statement could be asked while others
 * were still unanswered. node-postgres queued them (each one's statement bound started when queued, not when sent);
 * from pg 9 that is an error. Now the store sends a transaction's statements one at a time, in the order asked.
 *
 * node-postgres says it once a process, so each case runs in a child process of its own (this file, run with
 * GATEHOUSE_REVIEW_ED2_CASE set), which reports the warnings it saw. On the PostgreSQL of these machines
 * (test/support/postgres.ts), skipped where there is none; each case's schema is dropped afterwards.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

const CASE_ENV = 'GATEHOUSE_REVIEW_ED2_CASE';
const SCHEMA_ENV = 'GATEHOUSE_REVIEW_ED2_SCHEMA';
const PG_TEXT = 'already executing a query';

interface Report {
  /** The process's warnings other than experimental-feature ones: name, message, first lines of the stack. */
  readonly warnings: { name: string; message: string; stack: string }[];
  readonly facts: Record<string, unknown>;
}

/** The store itself: statements asked at once inside read and write transactions, and a failure among them. */
async function storeCase(schema: string): Promise<Record<string, unknown>> {
  const { openPostgresStore } = await import('../src/adapters/store-postgres/index.ts');
  // One connection: every transaction below runs on the same client, so a statement left running by one would be seen
  // by the next.
  const store = await openPostgresStore({ url: PG_URL, schema, poolSize: 1, notify: false });
  try {
    const keys = Array.from({ length: 8 }, (_, i) => `ed2/k${i}`);
    await store.write(async (tx) => {
      await Promise.all(keys.map((k, i) => tx.kv.put(k, `v${i}`)));
    });
    const read = await store.read(async (tx) => Promise.all(keys.map((k) => tx.kv.get(k))));
    // A write whose statements are asked at once, one refused by the database (a NUL in text): the transaction fails
    // as a whole and is rolled back, its other writes with it.
    const refused = await store
      .write(async (tx) => {
        await Promise.all([...keys.map((k) => tx.kv.put(k, 'changed')), tx.kv.put('ed2/nul', 'a\u0000b'), ...keys.map((k) => tx.kv.put(`${k}/more`, 'x'))]);
      })
      .then(
        () => 'committed',
        (e: unknown) => (e as { code?: unknown }).code ?? String(e),
      );
    const afterRefusal = await store.read(async (tx) => Promise.all([...keys.map((k) => tx.kv.get(k)), tx.kv.get('ed2/nul'), tx.kv.get('ed2/k0/more')]));
    return { read, refused, afterRefusal };
  } finally {
    await store.close();
  }
}

/** The path the soak found: a server's jobs sweep over several live jobs. */
async function jobsCase(schema: string): Promise<Record<string, unknown>> {
  const { startServer } = await import('../src/main/server.ts');
  const { gatehouseJson } = await import('./support/resource-server.ts');
  const dataDir = await mkdtemp(join(tmpdir(), 'gh-ed2-'));
  const logged: string[] = [];
  // A heartbeat timeout of 2 s sweeps every second (src/main/server.ts: half the timeout, at least 500 ms).
  const server = await startServer({
    dataDir,
    listen: '127.0.0.1:0',
    agentListen: '127.0.0.1:0',
    env: { GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64') },
    log: (line) => void logged.push(line),
    databaseUrl: PG_URL,
    databaseSchema: schema,
    jobHeartbeatTimeoutMs: 2_000,
  });
  try {
    const file = JSON.parse(await readFile(join(dataDir, 'admin-credentials.json'), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
    const admin = { accessKeyId: file.AccessKeyId, secretAccessKey: file.SecretAccessKey };
    const put = await gatehouseJson(server.url, admin, 'PUT', '/v1/workspaces/vision', { members: [{ user: 'admin' }] });
    const submitted: number[] = [];
    for (let i = 0; i < 4; i++) submitted.push((await gatehouseJson(server.url, admin, 'POST', '/v1/jobs', { workspace: 'vision', role: 'none', imds: false })).status);
    // Two sweeps or more, each reading the four live jobs through the live index.
    await new Promise((r) => setTimeout(r, 2_600));
    return { workspace: put.status, submitted, sweepFailures: logged.filter((l) => /sweep/i.test(l) && /fail|error/i.test(l)) };
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Runs `name` in a child process of its own (a fresh node-postgres, which warns once a process) and returns its report. */
function inChild(name: string, schema: string): Promise<Report> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [], {
      execArgv: [],
      env: { ...process.env, [CASE_ENV]: name, [SCHEMA_ENV]: schema },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let report: Report | undefined;
    let failure: string | undefined;
    child.on('message', (m) => {
      const r = m as { report?: Report; error?: string };
      if (r.report !== undefined) report = r.report;
      if (r.error !== undefined) failure = r.error;
    });
    child.on('error', reject);
    // 'close', not 'exit': the report may still be in the IPC channel when the child has exited.
    child.on('close', (code) => {
      if (failure !== undefined) reject(new Error(`case ${name} failed: ${failure}`));
      else if (report === undefined) reject(new Error(`case ${name} exited ${code} without a report`));
      else resolve(report);
    });
  });
}

const pgWarnings = (r: Report): string[] => r.warnings.filter((w) => w.message.includes(PG_TEXT)).map((w) => `${w.name}: ${w.message}\n${w.stack}`);

const CASE = process.env[CASE_ENV];
if (CASE !== undefined) {
  // Deep enough to name the code that asked (the jobs sweep is some 14 frames above node-postgres).
  Error.stackTraceLimit = 30;
  const warnings: Report['warnings'] = [];
  process.on('warning', (w) => {
    if (w.name === 'ExperimentalWarning') return;
    warnings.push({ name: w.name, message: w.message, stack: (w.stack ?? '').split('\n').slice(1, 24).join('\n') });
  });
  const schema = process.env[SCHEMA_ENV] as string;
  try {
    const facts = CASE === 'store' ? await storeCase(schema) : await jobsCase(schema);
    // A warning is emitted on the next tick: let it arrive.
    await new Promise((r) => setImmediate(r));
    process.send?.({ report: { warnings, facts } satisfies Report });
  } catch (e) {
    process.send?.({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
  process.disconnect?.();
} else {
  const skip = await pgSkip();
  const schemas = { store: `gh_ed2_store_${process.pid}`, jobs: `gh_ed2_jobs_${process.pid}` };

  describe('the PostgreSQL store sends one statement at a time on a connection (review ed2)', { skip, timeout: 60_000 }, () => {
    after(async () => {
      for (const s of Object.values(schemas)) await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`)).catch(() => {});
    });

    it('statements asked at once inside a transaction, and a ROLLBACK after one of them fails, never overlap', async () => {
      const r = await inChild('store', schemas.store);
      assert.deepEqual(pgWarnings(r), [], 'node-postgres was given a statement while its connection was still executing one');
      assert.deepEqual(r.facts['read'], Array.from({ length: 8 }, (_, i) => `v${i}`));
      // The database refused the NUL; the whole transaction rolled back, and the one connection serves the next one.
      assert.equal(r.facts['refused'], 'STORE_DATA_REFUSED');
      // (Absent keys arrive as null: the report crosses the IPC channel as JSON.)
      assert.deepEqual(r.facts['afterRefusal'], [...Array.from({ length: 8 }, (_, i) => `v${i}`), null, null]);
    });

    it("a server's jobs sweep over several live jobs runs its reads one at a time (the soak's path)", async () => {
      const r = await inChild('jobs', schemas.jobs);
      assert.deepEqual(pgWarnings(r), [], 'node-postgres was given a statement while its connection was still executing one');
      assert.equal(r.facts['workspace'], 200);
      assert.deepEqual(r.facts['submitted'], [201, 201, 201, 201]);
      assert.deepEqual(r.facts['sweepFailures'], []);
    });
  });
}
