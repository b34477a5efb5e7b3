/**
 * The audit repository of the Store port on both databases (SQLite in a temp dir; PostgreSQL in a throw-away
 * schema, skipped with a message when unreachable): append after the head only, list with filters and a cursor,
 * prune to a checkpoint, no change-log row; and one chain when two instances record at once.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { PG_URL, pgSkip } from './support/postgres.ts';
import { EMPTY_HEAD, chainVerifier, detailTextOf, linkEvents, type AuditEvent, type AuditFilter, type AuditRecord } from '../src/core/audit/index.ts';
import type { Store } from '../src/app/ports/store.ts';
import { createAudit } from '../src/app/audit.ts';
import { DatabaseSync } from 'node:sqlite';
import { openSqliteStore, SQLITE_FILE_NAME } from '../src/adapters/store-sqlite/index.ts';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { SQLITE_MIGRATIONS } from '../src/adapters/store-sqlite/migrations.ts';
import { POSTGRES_MIGRATIONS } from '../src/adapters/store-postgres/migrations.ts';
import { AUDIT_LOOKUP_EVERY, type Migration } from '../src/adapters/store-sql/index.ts';
import { walkPages } from './support/sqlite-rows-read.ts';

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

type Sql = (text: string, params?: readonly (string | number | null)[]) => Promise<Record<string, unknown>[]>;

interface Target {
  readonly name: string;
  readonly skip: string | undefined;
  /**
   * Opens a fresh database (with `migrations`, when given: an older schema); `again()` opens another store on the
   * same one (a second instance, with every migration); `plan(sql, params)` is the query plan, as text; `sql(text,
   * params)` runs a statement outside the store (as an older build, or an operator, would) and returns its rows.
   */
  fresh(migrations?: readonly Migration[]): Promise<{ store: Store; again: () => Promise<Store>; plan: (sql: string, params: readonly (string | number)[]) => Promise<string>; sql: Sql }>;
}

const targets: Target[] = [
  {
    name: 'sqlite',
    skip: undefined,
    async fresh(migrations) {
      const dir = await mkdtemp(join(tmpdir(), 'gh-audit-store-'));
      const opened: Store[] = [];
      cleanups.push(async () => {
        for (const s of opened) await s.close();
        await rm(dir, { recursive: true, force: true });
      });
      const open = async (older?: readonly Migration[]) => {
        const s = await openSqliteStore({ dataDir: dir, ...(older ? { migrations: older } : {}) });
        opened.push(s);
        return s;
      };
      const plan = async (sql: string, params: readonly (string | number)[]) => {
        const db = new DatabaseSync(join(dir, SQLITE_FILE_NAME), { readOnly: true });
        try {
          return db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params).map((r) => String(r['detail'])).join('\n');
        } finally {
          db.close();
        }
      };
      const sql: Sql = async (text, params = []) => {
        const db = new DatabaseSync(join(dir, SQLITE_FILE_NAME));
        try {
          const st = db.prepare(text);
          return st.columns().length > 0 ? (st.all(...params) as Record<string, unknown>[]) : (st.run(...params), []);
        } finally {
          db.close();
        }
      };
      return { store: await open(migrations), again: () => open(), plan, sql };
    },
  },
  {
    name: 'postgres',
    skip: await pgSkip(),
    async fresh(migrations) {
      const schema = `gh_audit_${randomBytes(5).toString('hex')}`;
      const opened: Store[] = [];
      cleanups.push(async () => {
        for (const s of opened) await s.close();
        const c = new pg.Client({ connectionString: PG_URL });
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await c.end();
      });
      const open = async (older?: readonly Migration[]) => {
        const s = await openPostgresStore({ url: PG_URL, schema, poolSize: 4, ...(older ? { migrations: older } : {}) });
        opened.push(s);
        return s;
      };
      const plan = async (sql: string, params: readonly (string | number)[]) => {
        const c = new pg.Client({ connectionString: PG_URL });
        await c.connect();
        try {
          // Few rows: without this the planner rightly prefers a scan, and the question is whether the index is usable.
          await c.query(`SET search_path = ${schema}`);
          await c.query('SET enable_seqscan = off');
          let k = 0;
          const r = await c.query(`EXPLAIN ${sql.replace(/\?/g, () => `$${++k}`)}`, [...params]);
          return r.rows.map((x: Record<string, unknown>) => String(x['QUERY PLAN'])).join('\n');
        } finally {
          await c.end();
        }
      };
      const sql: Sql = async (text, params = []) => {
        const c = new pg.Client({ connectionString: PG_URL });
        await c.connect();
        try {
          await c.query(`SET search_path = ${schema}`);
          let k = 0;
          return (await c.query(text.replace(/\?/g, () => `$${++k}`), [...params])).rows as Record<string, unknown>[];
        } finally {
          await c.end();
        }
      };
      return { store: await open(migrations), again: () => open(), plan, sql };
    },
  },
];

/** A record as an older build wrote it: its row in `audit_log`, straight. */
const insertRaw = async (sql: Sql, records: readonly AuditRecord[]): Promise<void> => {
  for (const r of records) {
    await sql(
      'INSERT INTO audit_log (seq, at, kind, account, principal, action, resource, decision, role_arn, session_arn, job, source_identity, source_ip, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [r.seq, r.at, r.kind, r.account, r.principal, r.action, r.resource, r.decision ?? null, r.role ?? null, r.session ?? null, r.job ?? null, r.sourceIdentity ?? null, r.sourceIp ?? null, detailTextOf(r), r.prevHash, r.hash],
    );
  }
  const last = records.at(-1) as AuditRecord;
  await sql('UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1', [last.seq, last.hash]);
};

/** Each filter the API takes, and which records it means. */
const FILTERS: readonly [AuditFilter, (r: AuditRecord) => boolean][] = [
  [{ account: '111111111111' }, (r) => r.account === '111111111111'],
  [{ principal: 'arn:aws:iam::000000000000:user/u1' }, (r) => r.principal.endsWith('/u1')],
  [{ principal: 'arn:aws:iam::000000000000:user/u1', account: '000000000000' }, (r) => r.principal.endsWith('/u1') && r.account === '000000000000'],
  [{ role: 'arn:aws:iam::000000000000:role/r' }, (r) => r.role !== undefined],
  [{ job: 'job1' }, (r) => r.job === 'job1'],
  [{ job: 'job1', decision: 'ImplicitDeny' }, (r) => r.job === 'job1' && r.decision === 'ImplicitDeny'],
  // A denial alone, several, with an account, and decisions the lookup does not key (review eh1).
  [{ decision: 'ImplicitDeny' }, (r) => r.decision === 'ImplicitDeny'],
  [{ decision: ['ExplicitDeny', 'ImplicitDeny', 'Deny'] }, (r) => r.decision === 'ImplicitDeny' || r.decision === 'Deny'],
  [{ decision: 'ImplicitDeny', account: '111111111111' }, (r) => r.decision === 'ImplicitDeny' && r.account === '111111111111'],
  [{ decision: 'Deny', kind: 'change' }, (r) => r.decision === 'Deny' && r.kind === 'change'],
  [{ decision: 'Allow', account: '111111111111' }, (r) => r.decision === 'Allow' && r.account === '111111111111'],
  [{ decision: ['Allow', 'ImplicitDeny'] }, (r) => r.decision === 'Allow' || r.decision === 'ImplicitDeny'],
  [{ account: '000000000000', kind: 'change' }, (r) => r.account === '000000000000' && r.kind === 'change'],
  [{ principal: 'arn:aws:iam::000000000000:user/nobody' }, () => false],
];

const ev = (i: number, over: Partial<AuditEvent> = {}): AuditEvent => ({
  kind: i % 2 === 0 ? 'decision' : 'change',
  account: i % 3 === 0 ? '111111111111' : '000000000000',
  principal: `arn:aws:iam::000000000000:user/u${i % 4}`,
  action: i % 2 === 0 ? 's3:GetObject' : 'iam:CreateRole',
  resource: `arn:aws:s3:::b/${i}`,
  decision: i % 5 === 0 ? 'ImplicitDeny' : i % 7 === 3 ? 'Deny' : 'Allow',
  ...(i % 2 === 0 ? { job: `job${i % 3}` } : { role: 'arn:aws:iam::000000000000:role/r' }),
  detail: { i, nested: { list: [1, 'two', null], float: 0.5 } },
  ...over,
});

const T0 = Date.UTC(2024, 0, 1);

for (const target of targets) {
  describe(`audit repository: ${target.name}`, { skip: target.skip }, () => {
    it('appends after the head only, lists with filters and a cursor, and writes no change-log row', async () => {
      const { store } = await target.fresh();
      assert.deepEqual(await store.read((tx) => tx.audit.head()), EMPTY_HEAD);
      const changeHead = await store.read((tx) => tx.changes.head());
      const first = linkEvents(Array.from({ length: 63 }, (_, i) => ({ at: T0 + i * 1000, event: ev(i) })), EMPTY_HEAD, sha256);
      await store.write((tx) => tx.audit.append(first));
      const head = await store.read((tx) => tx.audit.head());
      assert.deepEqual(head, { seq: 63, hash: (first[62] as AuditRecord).hash, baseSeq: 0, baseHash: EMPTY_HEAD.hash });
      assert.equal(await store.read((tx) => tx.changes.head()), changeHead, 'audit appends move no change head');

      // Records come back exactly as written (what was hashed is what is read).
      const all = await store.read((tx) => tx.audit.list({}, 0, 1000));
      assert.deepEqual(all, first);
      const v = chainVerifier(EMPTY_HEAD, sha256);
      assert.equal(v.check(all) ?? v.end(head), undefined);

      // A batch that does not follow the head is refused, and the transaction leaves nothing.
      const stale = linkEvents([{ at: T0, event: ev(99) }], EMPTY_HEAD, sha256);
      await assert.rejects(store.write((tx) => tx.audit.append(stale)), /does not follow the head/);
      assert.equal((await store.read((tx) => tx.audit.head())).seq, 63);

      const expect = async (filter: AuditFilter, pred: (r: AuditRecord) => boolean) => {
        const got = await store.read((tx) => tx.audit.list(filter, 0, 1000));
        assert.deepEqual(got.map((r) => r.seq), first.filter(pred).map((r) => r.seq), JSON.stringify(filter));
      };
      await expect({ account: '111111111111' }, (r) => r.account === '111111111111');
      await expect({ principal: 'arn:aws:iam::000000000000:user/u1' }, (r) => r.principal.endsWith('/u1'));
      await expect({ role: 'arn:aws:iam::000000000000:role/r' }, (r) => r.role !== undefined);
      await expect({ job: 'job1' }, (r) => r.job === 'job1');
      await expect({ kind: 'decision', decision: 'ImplicitDeny' }, (r) => r.kind === 'decision' && r.decision === 'ImplicitDeny');
      await expect({ action: 'iam:CreateRole' }, (r) => r.action === 'iam:CreateRole');
      const mid = new Date(T0 + 30_000).toISOString();
      await expect({ since: mid }, (r) => r.at >= mid);
      await expect({ until: mid, account: '000000000000' }, (r) => r.at < mid && r.account === '000000000000');

      const pages: number[][] = [];
      for (let afterSeq = 0; ; ) {
        const page = await store.read((tx) => tx.audit.list({}, afterSeq, 10));
        if (page.length === 0) break;
        pages.push(page.map((r) => r.seq));
        afterSeq = (page.at(-1) as AuditRecord).seq;
      }
      assert.equal(pages.length, 7);
      assert.deepEqual(pages.flat(), first.map((r) => r.seq));
    });

    it('a log written before the lookup (version 3) migrates: every filter finds its records, old and new', async () => {
      const { store, again, sql } = await target.fresh((target.name === 'sqlite' ? SQLITE_MIGRATIONS : POSTGRES_MIGRATIONS).filter((m) => m.version <= 3));
      assert.equal(store.migrations.version, 3);
      const first = linkEvents(Array.from({ length: 40 }, (_, i) => ({ at: T0 + i * 1000, event: ev(i) })), EMPTY_HEAD, sha256);
      await insertRaw(sql, first);
      const v4 = await again();
      // Version 4 and whatever came after it (5, policy tags: review Q2, q3).
      assert.deepEqual(v4.migrations.applied, (target.name === 'sqlite' ? SQLITE_MIGRATIONS : POSTGRES_MIGRATIONS).map((m) => m.version).filter((v) => v > 3));
      const all = await v4.read((tx) => tx.audit.list({}, 0, 1000));
      assert.deepEqual(all, first);
      const v = chainVerifier(EMPTY_HEAD, sha256);
      assert.equal(v.check(all) ?? v.end(await v4.read((tx) => tx.audit.head())), undefined);
      // The migration filled the lookup for every record: a principal, an account, and a role or a job each, and the
      // decision of each record that was not allowed (version 9).
      assert.deepEqual((await sql('SELECT seq FROM audit_lookup_head WHERE id = 1')).map((r) => Number(r['seq'])), [40]);
      const refused = first.filter((r) => r.decision !== 'Allow');
      assert.equal(refused.length, 13);
      assert.equal(Number((await sql('SELECT COUNT(*) AS n FROM audit_lookup'))[0]?.['n']), 40 * 3 + refused.length);
      assert.deepEqual((await sql("SELECT seq FROM audit_lookup WHERE lookup = 'd:Deny' ORDER BY seq")).map((r) => Number(r['seq'])), refused.filter((r) => r.decision === 'Deny').map((r) => r.seq));
      const more = linkEvents([{ at: T0 + 41_000, event: ev(41) }], await v4.read((tx) => tx.audit.head()), sha256);
      await v4.write((tx) => tx.audit.append(more));
      for (const [filter, pred] of FILTERS) {
        const got = await v4.read((tx) => tx.audit.list(filter, 0, 1000));
        assert.deepEqual(got.map((r) => r.seq), [...first, ...more].filter(pred).map((r) => r.seq), JSON.stringify(filter));
      }
      // The per-record indexes are gone (their upkeep is what the lookup replaces); the acting role's is partial, of the few
      // records that have one (migration 10, review ic, 2).
      const indexes = target.name === 'sqlite' ? await sql("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_log'") : await sql("SELECT indexname AS name FROM pg_indexes WHERE tablename = 'audit_log' AND schemaname = current_schema()");
      assert.deepEqual(indexes.map((r) => String(r['name'])).filter((n) => !/autoindex|pkey/.test(n)).sort(), ['audit_log_acting', 'audit_log_at']);
    });

    it('filters read the lookup up to where it is filled and scan past it: the same records either way, page by page', async () => {
      const { store, sql } = await target.fresh();
      const total = AUDIT_LOOKUP_EVERY + 333;
      let head = EMPTY_HEAD;
      const written: AuditRecord[] = [];
      for (let i = 0; i < total; i += 300) {
        const batch = linkEvents(Array.from({ length: Math.min(300, total - i) }, (_, k) => ({ at: T0 + (i + k) * 10, event: ev(i + k) })), head, sha256);
        await store.write((tx) => tx.audit.append(batch));
        written.push(...batch);
        head = await store.read((tx) => tx.audit.head());
      }
      // Filled in bulk once AUDIT_LOOKUP_EVERY records were past it, at a batch's end; the rest is the tail.
      const filled = Number((await sql('SELECT seq FROM audit_lookup_head WHERE id = 1'))[0]?.['seq']);
      assert.ok(filled >= AUDIT_LOOKUP_EVERY && filled < total, `filled to ${filled} of ${total}`);
      assert.equal(Number((await sql('SELECT MAX(seq) AS m FROM audit_lookup'))[0]?.['m']), filled);
      for (const [filter, pred] of FILTERS) {
        const want = written.filter(pred).map((r) => r.seq);
        const got = await store.read((tx) => tx.audit.list(filter, 0, 10_000));
        assert.deepEqual(got.map((r) => r.seq), want, JSON.stringify(filter));
        // Pages of 97 from a cursor cross the filled mark like the whole list.
        const paged: number[] = [];
        for (let afterSeq = 0; ; ) {
          const page = await store.read((tx) => tx.audit.list(filter, afterSeq, 97));
          if (page.length === 0) break;
          assert.ok(page.length <= 97);
          paged.push(...page.map((r) => r.seq));
          afterSeq = (page.at(-1) as AuditRecord).seq;
        }
        assert.deepEqual(paged, want, `paged ${JSON.stringify(filter)}`);
        // Pages with a window (the API's), followed as the API's `next` is: the window counts a key's entries for a
        // filter of one key, seqs for the others (review eh5); either way the same records.
        for (const window of [40, 1000]) assert.deepEqual((await walkPages(store, filter, 97, window)).seqs, want, `window ${window} ${JSON.stringify(filter)}`);
      }
      // The records come back whole, as written, through the lookup too.
      const byJob = await store.read((tx) => tx.audit.list({ job: 'job2' }, 0, 10_000));
      assert.deepEqual(byJob, written.filter((r) => r.job === 'job2'));
      // Pruning takes the lookup's entries of the records it removes.
      const cut = await store.write((tx) => tx.audit.prune(new Date(T0 + 1000 * 10).toISOString()));
      assert.equal(cut.pruned, 1000);
      assert.equal(Number((await sql('SELECT COUNT(*) AS n FROM audit_lookup WHERE seq <= ?', [1000]))[0]?.['n']), 0);
      const left = await store.read((tx) => tx.audit.list({ principal: 'arn:aws:iam::000000000000:user/u1' }, 0, 10_000));
      assert.deepEqual(left.map((r) => r.seq), written.filter((r) => r.seq > 1000 && r.principal.endsWith('/u1')).map((r) => r.seq));
      // The index against the records (review V, P1): whole, then with entries deleted, planted, and its mark moved.
      assert.deepEqual(await store.read((tx) => tx.audit.lookupCheck()), { filled, missing: 0, extra: 0 });
      await sql("DELETE FROM audit_lookup WHERE lookup = 'p:arn:aws:iam::000000000000:user/u1'");
      const u1 = written.filter((r) => r.seq > 1000 && r.seq <= filled && r.principal.endsWith('/u1')).length;
      assert.deepEqual(await store.read((tx) => tx.audit.lookupCheck()), { filled, missing: u1, extra: 0 });
      await sql('INSERT INTO audit_lookup (lookup, seq) VALUES (?, ?)', ['p:arn:aws:iam::000000000000:user/nobody', 1500]);
      assert.deepEqual(await store.read((tx) => tx.audit.lookupCheck()), { filled, missing: u1, extra: 1 });
      await sql('UPDATE audit_lookup_head SET seq = ? WHERE id = 1', [1_000_000_000_000]);
      assert.equal((await store.read((tx) => tx.audit.lookupCheck())).filled, 1_000_000_000_000);
    });

    it('prunes to a checkpoint: the chain verifies from it', async () => {
      const { store } = await target.fresh();
      const records = linkEvents(Array.from({ length: 20 }, (_, i) => ({ at: T0 + i * 1000, event: ev(i) })), EMPTY_HEAD, sha256);
      await store.write((tx) => tx.audit.append(records));
      const r = await store.write((tx) => tx.audit.prune(new Date(T0 + 7000).toISOString()));
      assert.equal(r.pruned, 7);
      assert.deepEqual([r.head.baseSeq, r.head.baseHash], [7, (records[6] as AuditRecord).hash]);
      const head = await store.read((tx) => tx.audit.head());
      assert.deepEqual(head, r.head);
      const left = await store.read((tx) => tx.audit.list({}, 0, 1000));
      assert.equal(left[0]?.seq, 8);
      const v = chainVerifier(head, sha256);
      assert.equal(v.check(left) ?? v.end(head), undefined);
      assert.equal((await store.write((tx) => tx.audit.prune(new Date(T0).toISOString()))).pruned, 0, 'nothing older');
      // Appending continues the chain after pruning.
      await store.write(async (tx) => tx.audit.append(linkEvents([{ at: T0 + 99_000, event: ev(1) }], await tx.audit.head(), sha256)));
      assert.equal((await store.read((tx) => tx.audit.head())).seq, 21);
    });

    it('prunes only the prefix older than the cutoff when `at` is out of seq order (a clock behind, a batch held back)', async () => {
      const { store } = await target.fresh();
      // Seconds after T0 for seq 1..10; the cutoff is T0 + 10 s. Seq 3 is newer than the cutoff, and seq 4-6 and 8
      // (an instance whose clock runs behind, a batch delivered late) are older again: they follow a newer record.
      const seconds = [1, 2, 30, 3, 4, 5, 31, 6, 32, 33];
      const records = linkEvents(seconds.map((s, i) => ({ at: T0 + s * 1000, event: ev(i) })), EMPTY_HEAD, sha256);
      await store.write((tx) => tx.audit.append(records));
      const cutoff = new Date(T0 + 10_000).toISOString();
      const r = await store.write((tx) => tx.audit.prune(cutoff));
      assert.equal(r.pruned, 2, 'only seq 1-2: every record from the first newer one on stays');
      assert.deepEqual([r.head.baseSeq, r.head.baseHash], [2, (records[1] as AuditRecord).hash]);
      const left = await store.read((tx) => tx.audit.list({}, 0, 1000));
      assert.deepEqual(left.map((x) => x.seq), [3, 4, 5, 6, 7, 8, 9, 10]);
      assert.ok(left.some((x) => x.at >= cutoff && x.seq === 3), 'the record newer than the cutoff is kept');
      const head = await store.read((tx) => tx.audit.head());
      const v = chainVerifier(head, sha256);
      assert.equal(v.check(left) ?? v.end(head), undefined);
      // Nothing older at the start of the chain now: nothing goes, even though seq 4-6 are older than the cutoff.
      assert.equal((await store.write((tx) => tx.audit.prune(cutoff))).pruned, 0);
      // A later cutoff (31.5 s): seq 9 is the first newer record, so seq 3-8 go, the late seq 8 with them.
      const later = await store.write((tx) => tx.audit.prune(new Date(T0 + 31_500).toISOString()));
      assert.deepEqual([later.pruned, later.head.baseSeq], [6, 8]);
      // A cutoff after every record: all of them go, the last one becomes the checkpoint.
      const all = await store.write((tx) => tx.audit.prune(new Date(T0 + 60_000).toISOString()));
      assert.deepEqual([all.pruned, all.head.baseSeq, all.head.baseHash], [2, 10, (records[9] as AuditRecord).hash]);
      assert.deepEqual(await store.read((tx) => tx.audit.list({}, 0, 1000)), []);
    });

    it('two instances recording at once make one chain', async () => {
      const { store, again } = await target.fresh();
      const second = await again();
      const a = createAudit({ store, now: () => Date.now() }, { flushMs: 5, batchSize: 50 });
      const b = createAudit({ store: second, now: () => Date.now() }, { flushMs: 5, batchSize: 50 });
      for (let i = 0; i < 300; i++) {
        a.record(ev(i, { principal: 'arn:aws:iam::000000000000:user/instance-a' }));
        b.record(ev(i, { principal: 'arn:aws:iam::000000000000:user/instance-b' }));
        if (i % 50 === 0) await new Promise((r) => setTimeout(r, 2));
      }
      assert.ok(await a.flush());
      assert.ok(await b.flush());
      await a.stop();
      await b.stop();
      const head = await store.read((tx) => tx.audit.head());
      assert.equal(head.seq, 600);
      const all = await store.read((tx) => tx.audit.list({}, 0, 1000));
      const v = chainVerifier(EMPTY_HEAD, sha256);
      assert.equal(v.check(all) ?? v.end(head), undefined);
      assert.equal(all.filter((r) => r.principal.endsWith('instance-a')).length, 300);
      // Each instance's records keep their order.
      const order = all.filter((r) => r.principal.endsWith('instance-b')).map((r) => r.detail['i']);
      assert.deepEqual(order, Array.from({ length: 300 }, (_, i) => i));
    });
  });
}
