/**
 * Review oi, 1: the listening connection of every instance on a shared PostgreSQL (`LISTEN gatehouse_changes`) is
 * named so that an operator can tell the replicas apart in `pg_stat_activity` (src/adapters/store-postgres/store.ts,
 * docs/decisions.md "Changes are announced by the database": `application_name = gatehouse-listen-<pid>`). It was named
 * after the process id alone, and the server runs as its container's first process in every pod of deploy/kubernetes
 * (Dockerfile `ENTRYPOINT ["node", "bin/gatehouse.js"]`): every replica's connection was `gatehouse-listen-1`, so the
 * one of a replica whose notifications stopped (issue 7: "enforced by all within one second") could not be found. It
 * now carries the host name too (a pod's name), kept within PostgreSQL's 63 bytes (NAMEDATALEN - 1: a longer name is
 * cut, the pid first) by shortening the host name.
 *
 * Before the fix 2 of 2 tests failed.
 *
 * A store on a throw-away schema of the machine's PostgreSQL, subscribed as a server subscribes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

const skip = await pgSkip();

/** The application_name of this process's listening connections on `schema`'s channel, once one is delivering. */
async function listening(schema: string): Promise<string[]> {
  const store = await openPostgresStore({ url: PG_URL, schema, poolSize: 1 });
  let up: () => void = () => undefined;
  const delivering = new Promise<void>((resolve) => (up = resolve));
  const sub = store.subscribe({ onChange: () => undefined, onState: (on) => void (on && up()) });
  try {
    await Promise.race([delivering, new Promise((_, reject) => setTimeout(() => reject(new Error('never listened within 20 s')), 20_000).unref())]);
    const r = await pgAdmin((c) => c.query<{ name: string }>(`SELECT application_name AS name FROM pg_stat_activity WHERE application_name LIKE 'gatehouse-listen-%'`));
    return r.rows.map((x) => x.name);
  } finally {
    await sub.close();
    await store.close();
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
  }
}

describe('review oi1: the listening connection names its host as well as its process', { skip, timeout: 60_000 }, () => {
  it('pg_stat_activity shows gatehouse-listen-<host>-<pid> for this process', async () => {
    const names = await listening(`gh_oi1_${randomBytes(4).toString('hex')}`);
    const mine = `gatehouse-listen-${hostname()}-${process.pid}`.slice(0, 63);
    assert.ok(names.includes(mine), `expected ${mine} among ${JSON.stringify(names)}`);
  });

  it('a long host name is shortened, never the pid: within 63 bytes, the pid whole at the end', async () => {
    const { listenName } = await import('../src/adapters/store-postgres/store.ts');
    const pod = `gatehouse-${'x'.repeat(40)}-7d9f8b6c5d-x2x9z`;
    const a = listenName(pod, 1);
    const b = listenName(pod.replace(/x2x9z$/, 'q8w7e'), 1);
    assert.ok(Buffer.byteLength(a) <= 63, a);
    assert.match(a, /^gatehouse-listen-.*-1$/);
    assert.notEqual(a, b, 'two pods whose names differ at the end (a ReplicaSet\'s suffix) stay apart');
    assert.equal(listenName('gatehouse-0', 1), 'gatehouse-listen-gatehouse-0-1');
    assert.ok(Buffer.byteLength(listenName('h', 4_194_304)) <= 63);
  });
});
