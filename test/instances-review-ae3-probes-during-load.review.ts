/**
 * Review ae, 3: an instance (re)starting against a database that answers, but slowly (a large directory to load, a
 * database busy or holding a lock), answers its probes while it loads: /healthz 200 (alive: no restart loop) and
 * /readyz 503 (no traffic yet), and 503 ServiceUnavailable, which clients retry, to the rest. Before, `--listen` was
 * bound only once the directory was loaded (or while the database could not be reached at all): during the load every
 * probe was refused, and a liveness probe restarted a pod whose load took longer than its failure threshold, over and
 * over, and a load balancer saw a dead process rather than one not ready.
 *
 * A first server on a throw-away schema of the machine's PostgreSQL makes the directory; a second one is started on it
 * while an open transaction holds a lock on the users table, so its load waits until the lock is released.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { until } from './support/pg-cluster.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';
import { freePort } from './support/processes.ts';

const skip = await pgSkip();

describe('an instance started while its directory loads slowly (review ae, 3)', { skip, timeout: 60_000 }, () => {
  const schema = `gh_ae3_${randomBytes(6).toString('hex')}`;
  const dirs: string[] = [];
  const servers: RunningServer[] = [];
  after(async () => {
    for (const s of servers) await s.stop().catch(() => undefined);
    for (const d of dirs) await rm(d, { recursive: true, force: true });
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
  });
  /** The start, wrapped: an instance whose load waits must not be awaited here. */
  const start = async (port: number): Promise<{ server: Promise<RunningServer> }> => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gh-ae3-'));
    dirs.push(dataDir);
    const env = { GATEHOUSE_MASTER_KEY: masterKey };
    return { server: startServer({ dataDir, listen: `127.0.0.1:${port}`, agentListen: '127.0.0.1:0', env, databaseUrl: PG_URL, databaseSchema: schema, audit: { enabled: false }, log: () => undefined }) };
  };
  const masterKey = randomBytes(32).toString('base64');

  it('answers /healthz 200 and /readyz 503 during the load, and /readyz 200 once loaded', async () => {
    servers.push(await (await start(0)).server);
    const lock = new pg.Client({ connectionString: PG_URL });
    lock.on('error', () => undefined);
    await lock.connect();
    let starting: Promise<RunningServer> | undefined;
    try {
      await lock.query('BEGIN');
      await lock.query(`LOCK TABLE ${schema}.users IN ACCESS EXCLUSIVE MODE`);
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      starting = (await start(port)).server;
      starting.then((s) => servers.push(s), () => undefined);
      await until('the restarting instance answers /healthz while it loads', async () => (await fetch(`${url}/healthz`).catch(() => undefined))?.status === 200, 3_000);
      assert.equal((await fetch(`${url}/readyz`)).status, 503);
      const write = await fetch(`${url}/v1/users`, { method: 'POST', body: '{}' });
      assert.equal(write.status, 503);
      assert.equal(((await write.json()) as { error: { code: string } }).error.code, 'ServiceUnavailable');
      await lock.query('ROLLBACK');
      const server = await starting;
      assert.equal(server.url, url);
      assert.equal((await fetch(`${url}/readyz`)).status, 200);
    } finally {
      await lock.end().catch(() => undefined);
      await starting?.catch(() => undefined);
    }
  });
});
