/**
 * Review jf, 1: a text value holding NUL (U+0000) was kept by the SQLite store and read back cut at the NUL (node:sqlite
 * reads text as a C string), and refused by the PostgreSQL store, so the two stores did not keep the same data. On
 * SQLite `POST /v1/accounts {"name": "acme\u0000evil"}` answered 201 with that name and the account read back as
 * `acme` (an apply of the same Account document found it changed on every run), and a key/value key `k\u0000x` was a
 * second row read back as `k`, so a listing held two entries of key `k`. On PostgreSQL the same request was a 400 in
 * the database's words naming no field. An account name with a lone surrogate (`x\ud800`) was answered 201 as given
 * and stored as `x\ufffd` on both.
 *
 * Why it matters: the embedded store and PostgreSQL must behave the same; a store that silently keeps another value
 * than the one written answers lookups for a name nobody created and loses what the caller said.
 *
 * Now the SQLite store refuses a NUL in any text value as PostgreSQL does (StoreDataRefusedError, SQLSTATE 22021),
 * nothing written, and an account's name is checked first on both: a control character or an unpaired surrogate is a
 * 400 ValidationError naming `name` (`spec.name` in an Account document) and the position.
 *
 * Before the fix 5 of 6 tests failed (both stores' account names with NUL and with a lone surrogate, and the SQLite
 * store's key/value NUL; PostgreSQL's store refused that one already).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from './support/server.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { isStoreDataRefused, type Store } from '../src/app/ports/store.ts';

const skip = await pgSkip();
const schema = `jf1_${process.pid}`;

interface Detail {
  readonly path?: string;
  readonly message: string;
}
const detailsOf = (json: Record<string, unknown>): readonly Detail[] => (json['error'] as { details?: Detail[] } | undefined)?.details ?? [];

describe('a NUL or a lone surrogate in stored text, on both stores (review jf, 1)', { timeout: 120_000 }, () => {
  const servers: Record<string, TestServer> = {};
  const cleanup: (() => Promise<unknown>)[] = [];
  before(async () => {
    servers['sqlite'] = await startTestServer();
    cleanup.push(() => servers['sqlite']!.stop());
    if (skip === undefined) {
      servers['postgres'] = await startTestServer({ postgres: { url: PG_URL, schema } });
      cleanup.push(() => servers['postgres']!.stop());
    }
  });
  after(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
    if (skip === undefined) await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
  });

  for (const store of ['sqlite', 'postgres'] as const) {
    it(`${store}: an account name with NUL is refused naming \`name\`, and no account is made`, { skip: store === 'postgres' ? skip : undefined }, async () => {
      const s = servers[store]!;
      const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/accounts', { id: '111122223333', partition: 'aws', name: 'acme\u0000evil' });
      assert.equal(r.status, 400, JSON.stringify(r.json));
      assert.deepEqual(detailsOf(r.json).map((d) => d.path), ['name'], JSON.stringify(r.json));
      assert.match(detailsOf(r.json)[0]!.message, /U\+0000 at position 4/);
      const listed = await gatehouseJson(s.url, s.admin, 'GET', '/v1/accounts');
      assert.deepEqual((listed.json['accounts'] as { id: string }[]).map((a) => a.id), ['000000000000'], 'no account was created');
      const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
        documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Account', metadata: { name: '111122223333' }, spec: { partition: 'aws', name: 'acme\u0000evil' } }],
      });
      assert.equal(applied.status, 400, JSON.stringify(applied.json));
      assert.deepEqual(detailsOf(applied.json).map((d) => d.path), ['spec.name'], JSON.stringify(applied.json));
    });

    it(`${store}: an account name with a lone surrogate is refused, not stored as U+FFFD`, { skip: store === 'postgres' ? skip : undefined }, async () => {
      const s = servers[store]!;
      const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/accounts', { id: '111122224444', partition: 'aws', name: 'x\ud800' });
      assert.equal(r.status, 400, JSON.stringify(r.json));
      assert.deepEqual(detailsOf(r.json).map((d) => d.path), ['name']);
      const ok = await gatehouseJson(s.url, s.admin, 'POST', '/v1/accounts', { id: '111122225555', partition: 'aws', name: 'Équipe 数据 😀' });
      assert.equal(ok.status, 201, JSON.stringify(ok.json));
      const listed = await gatehouseJson(s.url, s.admin, 'GET', '/v1/accounts');
      const names = (listed.json['accounts'] as { id: string; name: string }[]).map((a) => [a.id, a.name]);
      assert.deepEqual(names, [['000000000000', 'root'], ['111122225555', 'Équipe 数据 😀']], 'any script is kept as given');
    });

    it(`${store}: the store refuses a key or value with NUL and writes nothing`, { skip: store === 'postgres' ? skip : undefined }, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'jf1-'));
      const st: Store = store === 'sqlite' ? await openSqliteStore({ dataDir: dir }) : await openPostgresStore({ url: PG_URL, schema: `${schema}_kv`, poolSize: 1 });
      try {
        await st.write((tx) => tx.kv.put('jf/k', 'plain'));
        for (const [key, value] of [['jf/k\u0000x', 'other'], ['jf/v', 'cut\u0000here']] as const) {
          await assert.rejects(st.write((tx) => tx.kv.put(key, value)), (e: unknown) => isStoreDataRefused(e) && e.dbCode === '22021' && /0x00/.test(e.reason), `${JSON.stringify(key)} refused`);
        }
        const rows = await st.read((tx) => tx.kv.list('jf/'));
        assert.deepEqual(rows, [{ key: 'jf/k', value: 'plain' }], 'only the key k, read back as written: no second row read back as k');
      } finally {
        await st.close();
        await rm(dir, { recursive: true, force: true });
        if (store === 'postgres') await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema}_kv CASCADE`)).catch(() => undefined);
      }
    });
  }
});
