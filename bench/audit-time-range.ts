/**
 * Time-range audit queries on a large log (review ed4): `GET /v1/audit?since=` with no principal, job, role or account.
 * Builds a SQLite store with `--records` decision records (default 300,000) appended one second apart ending 10 min
 * ago, then 200 in the last 5 min, by a SQL bulk insert of realistic rows after the store's migrations, with the
 * filter lookup filled as the writer would (AUDIT_LOOKUP_EVERY). Times, through the store's `audit.list` (what
 * the API runs, on the deciding thread): since 5 min; since 15 min until 5 min; the last page of a paged since 5 min;
 * a principal with since 5 min; a principal's and an account's first page; `audit verify`'s two index checks; three parts of a retention pruning, last; and prints SQLite's EXPLAIN QUERY PLAN of the since-only statement.
 * With `--pg`, the same log in a throw-away schema of PostgreSQL (GATEHOUSE_DATABASE_URL, else the local test
 * database), its rows made by the server, ANALYZEd.
 *   node_modules/.bin/node bench/audit-time-range.ts [--records 300000] [--pg]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import type { Store } from '../src/app/ports/store.ts';
import { benchSchemaName, dropSchema, PG_URL, pgQuery, pgUnavailable } from './support/postgres.ts';
import * as sql from '../src/adapters/store-sql/index.ts';
import * as auditApp from '../src/app/audit.ts';

const AUDIT_SPANS = (sql as Record<string, unknown>)['AUDIT_SPANS_FILL_ALL'] as string | undefined;
/** The denials' keys, as migration 9 fills them (absent before review eh1's change). */
const AUDIT_DENIALS = (sql as Record<string, unknown>)['AUDIT_LOOKUP_DECISIONS'] as string | undefined;

// Run only as the main module: bench/run.ts imports every module of bench/ to find its `bench…` functions, and this
// one at import built its store and printed to stdout, before `npm run bench -- --json`'s JSON (review lb, 2).
async function main(): Promise<void> {
  const arg = (name: string, d: number): number => {
    const i = process.argv.indexOf(name);
    return i < 0 ? d : Number(process.argv[i + 1]);
  };
  const N = arg('--records', 300_000);
  const PG = process.argv.includes('--pg');
  const dir = mkdtempSync(join(tmpdir(), 'gh-audit-time-'));
  const file = join(dir, 'gatehouse.db');
  const schema = benchSchemaName();
  const now = Date.now();
  const total = N + 200;
  const filled = total - (total % 4096);
  try {
    let store: Store;
    if (!PG) {
      (await openSqliteStore({ file })).close();
      const db = new DatabaseSync(file);
      db.exec('BEGIN');
      const ins = db.prepare('INSERT INTO audit_log (seq, at, kind, account, principal, action, resource, decision, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
      for (let seq = 1; seq <= total; seq++) {
        const t = seq <= N ? now - 600_000 - (N - seq) * 1000 : now - 300_000 + (seq - N) * 1000;
        ins.run(seq, new Date(t).toISOString(), 'decision', '000000000000', `arn:aws:iam::000000000000:role/role-${seq % 64}`, 's3:GetObject', `arn:aws:s3:::data-${seq % 8}/run-${seq % 97}/shard-${seq}.bin`, seq % 1009 === 0 ? 'ExplicitDeny' : seq % 3 === 0 ? 'ImplicitDeny' : 'Allow', '{"matched":[]}', 'x'.repeat(64), 'y'.repeat(64));
      }
      db.exec(`INSERT INTO audit_lookup (lookup, seq) SELECT 'p:' || principal, seq FROM audit_log WHERE seq <= ${filled} UNION ALL SELECT 'a:' || account, seq FROM audit_log WHERE seq <= ${filled}`);
      db.prepare('UPDATE audit_lookup_head SET seq = ? WHERE id = 1').run(filled);
      if (AUDIT_DENIALS !== undefined) {
        const t0 = performance.now();
        db.exec(AUDIT_DENIALS);
        console.log(`migration 9 (the denials' keys) on this log: ${(performance.now() - t0).toFixed(0)} ms`);
      }
      // The spans, as migration 8 fills them (absent before review ed4's fix).
      if (AUDIT_SPANS !== undefined) db.exec(`DELETE FROM audit_span; ${AUDIT_SPANS}`);
      db.prepare('UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1').run(total, 'y'.repeat(64));
      db.exec('COMMIT');
      console.log('plan, since only:', db.prepare('EXPLAIN QUERY PLAN SELECT a.seq FROM audit_log a WHERE a.seq > ? AND a.at >= ? ORDER BY a.seq LIMIT ?').all(0, new Date(now - 300_000).toISOString(), 100).map((r) => (r as { detail: string }).detail).join('; '));
      db.close();
      store = await openSqliteStore({ file });
    } else {
      const why = await pgUnavailable();
      if (why !== undefined) throw new Error(why);
      await (await openPostgresStore({ url: PG_URL, schema, poolSize: 2 })).close();
      // The same rows, made by the server (generate_series), then the lookup and spans as the migrations fill them.
      const at = (seq: string) => `to_char((to_timestamp(${now} / 1000.0) AT TIME ZONE 'UTC') + (CASE WHEN ${seq} <= ${N} THEN -600 - (${N} - ${seq}) ELSE -300 + (${seq} - ${N}) END) * interval '1 second', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
      await pgQuery(
        `SET search_path TO ${schema}; ` +
          'INSERT INTO audit_log (seq, at, kind, account, principal, action, resource, decision, detail, prev_hash, hash) ' +
          `SELECT g, ${at('g')}, 'decision', '000000000000', 'arn:aws:iam::000000000000:role/role-' || (g % 64), 's3:GetObject', 'arn:aws:s3:::data-' || (g % 8) || '/run-' || (g % 97) || '/shard-' || g || '.bin', ` +
          `CASE WHEN g % 1009 = 0 THEN 'ExplicitDeny' WHEN g % 3 = 0 THEN 'ImplicitDeny' ELSE 'Allow' END, '{"matched":[]}', repeat('x', 64), repeat('y', 64) FROM generate_series(1, ${total}) g; ` +
          `INSERT INTO audit_lookup (lookup, seq) SELECT 'p:' || principal, seq FROM audit_log WHERE seq <= ${filled} UNION ALL SELECT 'a:' || account, seq FROM audit_log WHERE seq <= ${filled}; ` +
          `UPDATE audit_lookup_head SET seq = ${filled} WHERE id = 1; ` +
          `DELETE FROM audit_span; ${AUDIT_SPANS ?? 'SELECT 1'}; ` +
          `UPDATE audit_head SET seq = ${total}, hash = repeat('y', 64) WHERE id = 1; ` +
          'ANALYZE',
      );
      if (AUDIT_DENIALS !== undefined) {
        const t0 = performance.now();
        await pgQuery(`SET search_path TO ${schema}; ${AUDIT_DENIALS}; ANALYZE`);
        console.log(`migration 9 (the denials' keys) on this log, and ANALYZE: ${(performance.now() - t0).toFixed(0)} ms`);
      }
      store = await openPostgresStore({ url: PG_URL, schema, poolSize: 2 });
    }
    const iso = (ms: number) => new Date(now - ms).toISOString();
    const time = async (label: string, filter: Record<string, string>, after = 0, limit = 100) => {
      const ms: number[] = [];
      let n = 0;
      for (let i = 0; i < 7; i++) {
        const t0 = performance.now();
        n = (await store.read((tx) => tx.audit.list(filter, after, limit))).length;
        ms.push(performance.now() - t0);
      }
      ms.sort((a, b) => a - b);
      console.log(`${label}: ${n} records, median ${ms[3]!.toFixed(1)} ms (min ${ms[0]!.toFixed(1)}, max ${ms[6]!.toFixed(1)})`);
    };
    console.log(`${N.toLocaleString('en-US')} records older than 10 min, 200 in the last 5 min`);
    await time('since 5m, limit 100', { since: iso(300_000) });
    await time('since 15m until 5m, limit 100', { since: iso(900_000), until: iso(300_000) });
    await time('since 5m, last page (after the 150th newest record)', { since: iso(300_000) }, N + 150);
    await time('principal role-7 + since 5m', { principal: 'arn:aws:iam::000000000000:role/role-7', since: iso(300_000) });
    await time('principal role-7, first page', { principal: 'arn:aws:iam::000000000000:role/role-7' });
    await time('account, first page', { account: '000000000000' });
    await time('an action no record has (no principal, time or account)', { action: 'iam:CreateUser' });
    await time('decision ExplicitDeny (one record in 1,009), no principal', { decision: 'ExplicitDeny' });
    // What one page of `GET /v1/audit` reads since review ef5: at most AUDIT_SCAN_WINDOW records past its cursor.
    const window = (auditApp as Record<string, unknown>)['AUDIT_SCAN_WINDOW'] as number | undefined;
    if (window !== undefined) {
      const ms: number[] = [];
      let next: number | undefined;
      for (let i = 0; i < 7; i++) {
        const t0 = performance.now();
        next = (await store.read((tx) => tx.audit.page({ action: 'iam:CreateUser' }, 0, 100, window))).through;
        ms.push(performance.now() - t0);
      }
      ms.sort((a, b) => a - b);
      console.log(`the same action, one page of the API (window ${window.toLocaleString('en-US')}): next ${next}, median ${ms[3]!.toFixed(1)} ms`);
      // Every page of a query, followed as `audit query` follows `next` (review eh1: denials, keyed or not).
      const walk = async (label: string, filter: Record<string, string | string[]>) => {
        const t0 = performance.now();
        let pages = 0;
        let records = 0;
        for (let after: number | undefined = 0; after !== undefined; pages++) {
          const p = await store.read((tx) => tx.audit.page(filter, after!, 100, window));
          records += p.records.length;
          after = p.records.length === 100 ? p.records.at(-1)!.seq : p.through;
        }
        console.log(`${label}, every page of the API: ${records} records in ${pages} pages, ${(performance.now() - t0).toFixed(0)} ms`);
      };
      await walk('decision ExplicitDeny', { decision: 'ExplicitDeny' });
      await walk('decision AccessDenied (ACCESS_DENIED, Deny, ExplicitDeny, ImplicitDeny)', { decision: ['ACCESS_DENIED', 'Deny', 'ExplicitDeny', 'ImplicitDeny'] });
      await walk('decision ExplicitDeny, principal role-7', { decision: 'ExplicitDeny', principal: 'arn:aws:iam::000000000000:role/role-7' });
    }
    // What `audit verify` adds for the indexes (review ef2: the spans), once each.
    for (const [label, check] of [
      ['verify: lookup check', () => store.read((tx) => tx.audit.lookupCheck())],
      ['verify: span check', () => store.read((tx) => tx.audit.spanCheck())],
    ] as const) {
      const t0 = performance.now();
      const r = await check();
      console.log(`${label}: ${(performance.now() - t0).toFixed(0)} ms ${JSON.stringify(r)}`);
    }
    // Retention's pruning, last (it deletes): parts of PRUNE_CHUNK records, each its own write transaction.
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const r = await store.write((tx) => tx.audit.prune(iso(900_000), 10_000));
      console.log(`prune: a part of 10,000 records: ${(performance.now() - t0).toFixed(0)} ms (checkpoint ${r.head.baseSeq})`);
    }
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (PG) await dropSchema(schema).catch(() => {});
  }
}

if (import.meta.main) await main();
