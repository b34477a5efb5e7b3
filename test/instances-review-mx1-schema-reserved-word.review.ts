/**
 * Review mx, 1: a GATEHOUSE_DATABASE_SCHEMA that the store's own check takes but that is an SQL key word (`user`, `order`, `default`) failed the start.
 *
 * Before the fix 2 of 2 tests failed.
 *
 * `SCHEMA_NAME` admits any plain lower-case identifier, and the search path takes such a name as it is, but the
 * migrations created the schema with `CREATE SCHEMA IF NOT EXISTS <name>` unquoted: PostgreSQL refused `user` (a reserved
 * key word) with `syntax error at or near "user"`, and the server ended its start with that message, for a setting it had
 * just checked and accepted. Now the name is quoted there, so every name the check admits makes a schema; the tables
 * go in it, and a change through one store is announced to another on the same schema.
 *
 * Stores on a database of the test's own on the test PostgreSQL (dropped after).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgresStore, SCHEMA_NAME } from '../src/adapters/store-postgres/store.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

const skip = await pgSkip();
const database = `mx1_${randomBytes(6).toString('hex')}`;
let created = false;
before(async () => {
  if (skip !== undefined) return;
  await pgAdmin((c) => c.query(`CREATE DATABASE ${database}`));
  created = true;
});
after(async () => {
  if (created) await pgAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)).catch(() => undefined);
});

const urlOf = (): string => {
  const url = new URL(PG_URL);
  url.pathname = `/${database}`;
  return url.toString();
};

async function inDatabase<T>(sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: urlOf() });
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

describe('a schema named by an SQL key word (review mx, 1)', { skip, timeout: 60_000 }, () => {
  it('opens a store in schema `user`, and a change through it is announced on that schema', async () => {
    assert.ok(SCHEMA_NAME.test('user'), 'the check admits the name');
    const a = await openPostgresStore({ url: urlOf(), schema: 'user', poolSize: 1 });
    try {
      const b = await openPostgresStore({ url: urlOf(), schema: 'user', poolSize: 1 });
      try {
        const tables = await inDatabase<{ table_schema: string }>(`SELECT table_schema FROM information_schema.tables WHERE table_name = 'change_head'`);
        assert.deepEqual(tables.map((r) => r.table_schema), ['user'], 'the tables are in the schema asked for');
        const heard: number[] = [];
        let up = false;
        const sub = b.subscribe({ onChange: (seq) => heard.push(seq), onState: (s) => (up = s) });
        try {
          for (const deadline = Date.now() + 20_000; !up && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
          assert.ok(up, 'the listening connection is up');
          const head = await a.write(async (tx) => {
            await tx.kv.put('mx1/probe', 'x');
            return tx.changes.head();
          });
          for (const deadline = Date.now() + 20_000; !heard.includes(head) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
          assert.ok(heard.includes(head), `the change ${head} is announced to the other store (heard ${JSON.stringify(heard)})`);
          assert.equal(await b.read((tx) => tx.kv.get('mx1/probe')), 'x');
        } finally {
          await sub.close();
        }
      } finally {
        await b.close();
      }
    } finally {
      await a.close();
    }
  });

  it('opens stores in schemas `order` and `default` too', async () => {
    for (const schema of ['order', 'default']) {
      const s = await openPostgresStore({ url: urlOf(), schema, poolSize: 1 });
      try {
        await s.write((tx) => tx.kv.put('mx1/probe', schema));
        assert.equal(await s.read((tx) => tx.kv.get('mx1/probe')), schema, `a value written in schema ${schema} reads back`);
      } finally {
        await s.close();
      }
      const tables = await inDatabase<{ n: number }>(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'kv' AND table_schema = '${schema}'`);
      assert.equal(tables[0]?.n, 1, `the tables are in schema ${schema}`);
    }
  });
});
