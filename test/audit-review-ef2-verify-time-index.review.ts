/**
 * Review ef2: `audit verify` did not check the time index. Since review ed4, `audit query --since/--until` (and
 * `GET /v1/audit?since=`) bound their scan by `audit_span`: each span's least `at` and the running greatest `at` up
 * to its end. The spans are not in the chain, and verify compared only the filter lookup with the records, so one
 * UPDATE of a span in the database hid records from every time query while verify said the log was intact, as a
 * deleted lookup entry would hide them from a principal's query had verify not checked the lookup (review V, P1).
 * Now verify checks that every span bounds the records from the span before it to its end, and that the spans end at
 * the lookup's mark. On both stores: a healthy log, with records dated out of order, verifies clean (after a pruning
 * too, at the store); each tampering, whose effect on a query is shown first, is reported as `lookup`.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { AUDIT_LOOKUP_EVERY } from '../src/adapters/store-sql/index.ts';
import { createAudit } from '../src/app/audit.ts';
import { storeAppender } from '../src/app/audit-store-appender.ts';
import type { Store } from '../src/app/ports/store.ts';
import type { AuditFilter, TimedEvent } from '../src/core/audit/index.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';
import { rootAdminCaller } from './support/callers.ts';

const ACCT = '000000000000';
/** Three fills of the lookup (appended 100 at a time: each fill a little past a multiple), and records past its mark. */
const COUNT = 3 * AUDIT_LOOKUP_EVERY + 300;
const T0 = Date.parse('2026-06-01T00:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();
/** Record `LATE + 1` is dated after every other, record `EARLY + 1` before every other; both in the second span. */
const LATE = AUDIT_LOOKUP_EVERY + 200;
const EARLY = AUDIT_LOOKUP_EVERY + 10;
/** Record i's time (record i + 1): a second apart, but for the late and the early one. */
const atOf = (i: number): number => (i === LATE ? T0 + (COUNT + 50) * 1000 : i === EARLY ? T0 - 5_000 : T0 + i * 1000);

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

interface Opened {
  readonly store: Store;
  readonly raw: (sql: string) => Promise<void>;
  readonly rows: (sql: string) => Promise<Record<string, unknown>[]>;
  readonly close: () => Promise<void>;
}

const stores: { name: string; skip: () => Promise<string | undefined>; open: () => Promise<Opened> }[] = [
  {
    name: 'sqlite',
    skip: async () => undefined,
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'gh-review-ef2-'));
      dirs.push(dir);
      const store = await openSqliteStore({ dataDir: dir });
      const withDb = <T>(fn: (db: DatabaseSync) => T): T => {
        const db = new DatabaseSync(join(dir, 'gatehouse.db'));
        try {
          return fn(db);
        } finally {
          db.close();
        }
      };
      return {
        store,
        raw: async (sql) => withDb((db) => db.exec(sql)),
        rows: async (sql) => withDb((db) => db.prepare(sql).all() as Record<string, unknown>[]),
        close: () => store.close(),
      };
    },
  },
  {
    name: 'postgres',
    skip: pgSkip,
    async open() {
      const schema = `gh_review_ef2_${randomBytes(5).toString('hex')}`;
      const store = await openPostgresStore({ url: PG_URL, schema, poolSize: 2 });
      return {
        store,
        raw: async (sql) => void (await pgAdmin((c) => c.query(`SET search_path TO ${schema}; ${sql}`))),
        rows: async (sql) => pgAdmin(async (c) => (await c.query(`SET search_path TO ${schema}; ${sql}`)) as unknown as { rows: Record<string, unknown>[] }[]).then((r) => r[1]!.rows),
        close: async () => (await store.close(), void (await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)))),
      };
    },
  },
];

function event(i: number): TimedEvent {
  return {
    at: atOf(i),
    event: { kind: 'decision', account: ACCT, principal: `arn:aws:iam::${ACCT}:user/u${i % 5}`, action: 's3:GetObject', resource: `arn:aws:s3:::b/k${i}`, decision: 'Allow' },
    detailText: '{}',
  };
}

async function count(store: Store, f: AuditFilter): Promise<number> {
  let n = 0;
  for (let a = 0; ; ) {
    const page = await store.read((tx) => tx.audit.list(f, a, 10_000));
    n += page.length;
    if (page.length < 10_000) return n;
    a = page.at(-1)!.seq;
  }
}

for (const s of stores) {
  describe(`review ef2: audit verify checks the time index, ${s.name}`, () => {
    it('passes a healthy log, and reports each span edited, deleted or added', { timeout: 120_000 }, async (t) => {
      const why = await s.skip();
      if (why !== undefined) return void t.skip(why);
      const { store, raw, rows, close } = await s.open();
      try {
        const appender = storeAppender(store);
        const events = Array.from({ length: COUNT }, (_, i) => event(i));
        for (let i = 0; i < COUNT; i += 100) await appender.append(events.slice(i, i + 100));
        const audit = createAudit({ store, now: () => Date.now() }, { flushMs: 5 });
        const spans = (await rows('SELECT seq, min_at, max_at FROM audit_span ORDER BY seq')) as { seq: number; min_at: string; max_at: string }[];
        assert.equal(spans.length, 3, JSON.stringify(spans));
        const filled = Number(spans.at(-1)!.seq);
        assert.ok(filled < COUNT, 'records lie past the mark');
        /** The span holding record `seq`. */
        const spanOf = (seq: number) => spans.find((x) => Number(x.seq) >= seq)!;
        const healthy = await audit.verify(rootAdminCaller);
        assert.ok(healthy.ok && healthy.value.ok, JSON.stringify(healthy));
        assert.deepEqual(await store.read((tx) => tx.audit.spanCheck()), { spans: 3, bad: 0, last: filled });

        const restore = () => raw(`DELETE FROM audit_span; ${spans.map((r) => `INSERT INTO audit_span (seq, min_at, max_at) VALUES (${Number(r.seq)}, '${r.min_at}', '${r.max_at}');`).join(' ')}`);
        const timeBreak = async (what: string) => {
          const r = await audit.verify(rootAdminCaller);
          assert.ok(r.ok, JSON.stringify(r));
          assert.equal(r.value.ok, false, `verify after ${what}`);
          const b = r.value.breaks?.find((x) => x.reason === 'lookup' && /time index/.test(x.message));
          assert.ok(b !== undefined, `verify after ${what}: ${JSON.stringify(r.value.breaks)}`);
          await restore();
          // The spans the healthy log verified clean with, as they were: the next tampering is checked alone. (A
          // verify of the whole log here was as dear as the check before it, for what this comparison shows.)
          assert.deepEqual(await rows('SELECT seq, min_at, max_at FROM audit_span ORDER BY seq'), spans, `restored after ${what}`);
        };

        // The running greatest time of the span holding the record dated late moved back: `since` skips that span.
        const since = iso(T0 + COUNT * 1000);
        assert.equal(await count(store, { since }), 1);
        await raw(`UPDATE audit_span SET max_at = '${iso(T0)}' WHERE seq = ${Number(spanOf(LATE + 1).seq)}`);
        assert.equal(await count(store, { since }), 0, 'the edited span hides the late record from since');
        await timeBreak('a greatest time moved back');

        // The least time of the span holding the record dated early moved on: `until` stops before it, and misses it.
        const until = iso(T0);
        assert.equal(await count(store, { until }), 1);
        await raw(`UPDATE audit_span SET min_at = '${iso(T0 + 10 ** 9)}' WHERE seq = ${Number(spanOf(EARLY + 1).seq)}`);
        assert.equal(await count(store, { until }), 0, 'the edited span hides the early record from until');
        await timeBreak('a least time moved on');

        // The middle span deleted: its records fall to the last one, whose least time is later than theirs.
        const middle = iso(T0 + (Number(spans[0]!.seq) + 100) * 1000);
        const before = await count(store, { until: middle });
        await raw(`DELETE FROM audit_span WHERE seq = ${Number(spans[1]!.seq)}`);
        assert.ok((await count(store, { until: middle })) < before, 'the deleted span hides records from until');
        await timeBreak('a span deleted');

        // The last span deleted: the spans end before the lookup's mark.
        await raw(`DELETE FROM audit_span WHERE seq = ${filled}`);
        assert.ok((await count(store, { until: iso(T0 + 10 ** 9) })) < COUNT, 'records between the spans and the mark are hidden');
        await timeBreak('the last span deleted');

        // A span past the mark: `until` reads its records twice.
        await raw(`INSERT INTO audit_span (seq, min_at, max_at) VALUES (${filled + 200}, '${iso(T0)}', '${iso(T0 + 10 ** 9)}')`);
        assert.ok((await count(store, { until: iso(T0 + 10 ** 9) })) > COUNT, 'records past the mark are read twice');
        await timeBreak('a span past the mark');

        // A pruning deletes the first span and keeps the one it leaves records in (its least time, the early record's,
        // now of a pruned record), which still bounds them. It stops at the record dated late.
        await store.write((tx) => tx.audit.prune(iso(T0 + (LATE + 300) * 1000)));
        assert.equal((await store.read((tx) => tx.audit.head())).baseSeq, LATE);
        assert.deepEqual(await store.read((tx) => tx.audit.spanCheck()), { spans: 2, bad: 0, last: filled });
      } finally {
        await close();
      }
    });
  });
}
