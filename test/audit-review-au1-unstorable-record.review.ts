/**
 * Review au, 1 (high): a record the database refuses for what it holds jammed the audit log for good. A batch refused
 * for the data of one record (PostgreSQL's class 22 "data exception" or 54 "program limit exceeded", a CHECK
 * constraint; SQLite's "string or blob too big", a CHECK or a trigger's RAISE) stayed queued and was retried for ever:
 * nothing was written again, and under the closed policy (the default) no session was issued and no change made until
 * an operator stepped in; a restart did not help (the journal brought the same record back). Two such values were
 * fixed one by one (NUL, review an 1; long lookup keys, an 2); any other would do the same. Now the writer tells a
 * refusal of a value (`StoreDataRefusedError`, by the driver's code) from an outage, splits the refused batch to find
 * the records refused alone, writes every other record, and writes a stand-in in place of each refused one (kind,
 * account, principal, action, time, the original's SHA-256, the refusal with its quoted values removed,
 * `detail.unstorable: true`), counted in `gatehouse_audit_records_unstorable_total` and logged once. Tested with a
 * trigger that refuses chosen values with SQLSTATE 22023 (PostgreSQL) or RAISE(ABORT) (SQLite):
 * - PostgreSQL server (the writer thread): a batch of five refusals, one refused by the database: the admin's next
 *   change is made (201, not 503), the four others are in the log with the stand-in among them, verify passes, the
 *   counter is 1, the log says it once;
 * - PostgreSQL, the queue: two refused records in a batch of ten: the eight others in order, two stand-ins (their
 *   SHA-256 that of the originals, the refusal's message without the value), the chain verifies, the gate is open;
 * - PostgreSQL: a refusal that is an outage (a trigger raising 57P01) is retried, not turned into stand-ins, and the
 *   record is written as it was once it is taken;
 * - PostgreSQL: a stand-in refused too (the refused value is in a column the stand-in keeps): the batch stays queued
 *   and the gate closed, as before; once the database takes it, every record is written once (what the first attempt
 *   wrote is not written again);
 * - SQLite: a record refused by a trigger's RAISE(ABORT), and a bounded split that takes several attempts: every
 *   record once, the refused ones as stand-ins;
 * - a journal segment whose refused record's stand-in was committed before a hard stop: not appended again.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { createAudit, storeAppender } from '../src/app/audit.ts';
import { NO_METRICS, type AppMetrics } from '../src/app/metrics.ts';
import { refusalReason, type Store } from '../src/app/ports/store.ts';
import { unstorableDigestText, type AuditEvent, type AuditRecord } from '../src/core/audit/index.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { settled, SETTLE_MS } from './support/settle.ts';
import { startTestServer, userWithKey } from './support/server.ts';
import { flakySqlite, segmentReleased, sessionEvent, verifiedChain } from './support/flaky-store.ts';
import { SPOOL_DIR } from '../src/adapters/audit-spool/index.ts';
import { fileAuditJournal } from '../src/adapters/audit-spool/journal.ts';

const ROOT = '000000000000';
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/**
 * A trigger on the schema's audit_log: a resource holding `poison` (or the action `poison:Action`) is refused as a value
 * (22023, invalid_parameter_value, quoting it); one holding `outage` as an outage (57P01, admin_shutdown).
 */
async function refuseIn(schema: string): Promise<void> {
  await pgAdmin(async (c) => {
    await c.query(`CREATE FUNCTION ${schema}.au_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.resource LIKE '%poison%' OR NEW.action = 'poison:Action' THEN
          RAISE EXCEPTION 'value "%" is refused', NEW.resource USING ERRCODE = '22023';
        END IF;
        IF NEW.resource LIKE '%outage%' THEN
          RAISE EXCEPTION 'terminating connection due to administrator command' USING ERRCODE = '57P01';
        END IF;
        RETURN NEW;
      END $$`);
    await c.query(`CREATE TRIGGER au_refuse BEFORE INSERT ON ${schema}.audit_log FOR EACH ROW EXECUTE FUNCTION ${schema}.au_refuse()`);
  });
}

const decisionEvent = (i: number, extra: Partial<AuditEvent> = {}): AuditEvent => ({
  kind: 'decision',
  account: ROOT,
  principal: `arn:aws:iam::${ROOT}:user/u${i}`,
  action: 's3:GetObject',
  resource: `arn:aws:s3:::b/k${i}`,
  decision: 'ImplicitDeny',
  detail: { reasons: [`no policy allows it (${i})`] },
  ...extra,
});

function counting(): { metrics: AppMetrics; unstorable: () => number } {
  let n = 0;
  return { metrics: { ...NO_METRICS, auditUnstorable: (k) => void (n += k) }, unstorable: () => n };
}

async function pgStore(): Promise<{ store: Store; schema: string; close: () => Promise<void> }> {
  const schema = `gh_review_au1_${randomBytes(5).toString('hex')}`;
  const store = await openPostgresStore({ url: PG_URL, schema, poolSize: 2 });
  await refuseIn(schema);
  return { store, schema, close: async () => (await store.close(), void (await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)))) };
}

const isStandIn = (r: AuditRecord): boolean => r.detail['unstorable'] === true;

describe('review au1: a record PostgreSQL refuses, on a server (the writer thread, closed policy)', () => {
  it('the rest of its batch is written, a stand-in takes its place, verify passes, and changes go on', { timeout: 90_000 }, async (t) => {
    const why = await pgSkip();
    if (why !== undefined) return void t.skip(why);
    const schema = `gh_review_au1_${process.pid}`;
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    const server = await startTestServer({ postgres: { url: PG_URL, schema } });
    const logs = server.logs;
    try {
      const admin = server.admin;
      const mallory = await userWithKey(server, 'mallory');
      await refuseIn(schema);

      // Five denials recorded together (one batch); the third names a resource the database refuses.
      const requests = [0, 1, 2, 3, 4].map((i) => ({ action: 's3:GetObject', resource: `arn:aws:s3:::b/${i === 2 ? 'poison' : `k${i}`}` }));
      const asked = await gatehouseJson(server.url, mallory, 'POST', '/v1/authorize:batch', { requests });
      assert.equal(asked.status, 200, JSON.stringify(asked.json));
      // Before: the batch was refused for ever; the closed gate refused this (503).
      // Tried (a user of its own each time) while the gate is closed (503), to a bound of time (settle.ts), not 40 tries.
      let i = 0;
      const made = await settled(() => gatehouseJson(server.url, admin, 'POST', '/v1/users', { name: `bob${i++}` }), (r) => r.status !== 503);
      assert.equal(made.status, 201, `the admin's change after the refused record: ${JSON.stringify(made.json)}`);
      // The split batch is written part by part: the gate opens with the first part committed, the rest follows.
      // (to a bound of time, settle.ts, not 100 tries)
      await settled(() => gatehouseJson(server.url, admin, 'GET', '/v1/audit/status'), (st) => st.json['backlog'] === 0, SETTLE_MS, 50);

      const found = await gatehouseJson(server.url, admin, 'GET', `/v1/audit?principal=${encodeURIComponent(`arn:aws:iam::${ROOT}:user/mallory`)}&action=s3:GetObject`);
      assert.equal(found.status, 200, JSON.stringify(found.json));
      const records = found.json['records'] as AuditRecord[];
      assert.deepEqual(
        records.map((r) => r.resource),
        ['arn:aws:s3:::b/k0', 'arn:aws:s3:::b/k1', '', 'arn:aws:s3:::b/k3', 'arn:aws:s3:::b/k4'],
        'the other four as they were, the stand-in in its place',
      );
      const standIn = records[2] as AuditRecord;
      assert.equal(standIn.detail['unstorable'], true);
      assert.equal(standIn.decision, 'ImplicitDeny');
      assert.deepEqual(standIn.detail['refusal'], { code: '22023', message: 'value "..." is refused' });
      assert.equal(JSON.stringify(standIn).includes('poison'), false, 'nothing of the refused value is kept');

      const v = await gatehouseJson(server.url, admin, 'GET', '/v1/audit/verify');
      assert.equal(v.status, 200, JSON.stringify(v.json));
      assert.equal(v.json['ok'], true, JSON.stringify(v.json));
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      assert.match(metrics, /^gatehouse_audit_records_unstorable_total 1$/m);
      const status = await gatehouseJson(server.url, admin, 'GET', '/v1/audit/status');
      assert.equal(status.json['unstorable'], 1, JSON.stringify(status.json));
      const said = logs.filter((l) => /refused to store/.test(l));
      assert.equal(said.length, 1, logs.join('\n'));
      assert.match(said[0] as string, new RegExp(`22023: value "\\.\\.\\." is refused; record ${standIn.seq} stands in its place`));
    } finally {
      await server.stop();
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
    }
  });
});

describe('review au1: the queue on PostgreSQL', () => {
  it('two refused records of ten: eight written in order, two stand-ins, the chain verifies, the gate stays open', async (t) => {
    const why = await pgSkip();
    if (why !== undefined) return void t.skip(why);
    const { store, close } = await pgStore();
    try {
      const logs: string[] = [];
      const { metrics, unstorable } = counting();
      const at = Date.parse('2026-06-01T10:00:00.000Z');
      const audit = createAudit({ store, now: () => at, log: (l) => void logs.push(l), metrics }, { flushMs: 60_000 });
      const events = Array.from({ length: 10 }, (_, i) => decisionEvent(i, i === 3 || i === 7 ? { resource: `arn:aws:s3:::b/poison${i}` } : {}));
      for (const e of events) audit.record(e);
      assert.equal(await audit.flush(), true, audit.status().lastError);
      const rows = await verifiedChain(store);
      assert.deepEqual(
        rows.map((r) => r.resource),
        events.map((e, i) => (i === 3 || i === 7 ? '' : e.resource)),
      );
      for (const i of [3, 7]) {
        const r = rows[i] as AuditRecord;
        assert.ok(isStandIn(r), JSON.stringify(r));
        assert.equal(r.principal, `arn:aws:iam::${ROOT}:user/u${i}`);
        assert.equal(r.at, new Date(at).toISOString());
        assert.equal(r.detail['sha256'], sha256(unstorableDigestText({ at, event: events[i] as AuditEvent })));
        assert.deepEqual(r.detail['refusal'], { code: '22023', message: 'value "..." is refused' });
      }
      assert.equal(rows.filter(isStandIn).length, 2);
      assert.equal(unstorable(), 2);
      assert.equal(audit.status().unstorable, 2);
      assert.equal(audit.status().healthy, true);
      assert.equal(audit.gate('sessions are not issued'), undefined, 'sessions are issued');
      assert.equal(logs.filter((l) => /refused to store/.test(l)).length, 2, logs.join('\n'));
      await audit.stop();
    } finally {
      await close();
    }
  });

  it('an outage raised for a record (57P01) is retried, not turned into a stand-in', async (t) => {
    const why = await pgSkip();
    if (why !== undefined) return void t.skip(why);
    const { store, schema, close } = await pgStore();
    try {
      const { metrics, unstorable } = counting();
      const audit = createAudit({ store, now: () => Date.now(), metrics }, { flushMs: 60_000 });
      const events = [decisionEvent(0), decisionEvent(1, { resource: 'arn:aws:s3:::b/outage' }), decisionEvent(2)];
      for (const e of events) audit.record(e);
      assert.equal(await audit.flush(), false);
      assert.equal(audit.status().healthy, false);
      assert.equal(audit.status().backlog, 3);
      assert.ok(audit.gate('sessions are not issued') !== undefined, 'the closed gate refuses');
      assert.equal((await store.read((tx) => tx.audit.list({}, 0, 10))).length, 0, 'nothing written');
      assert.equal(unstorable(), 0);
      // The database takes it again: the record is written as it was.
      await pgAdmin((c) => c.query(`DROP TRIGGER au_refuse ON ${schema}.audit_log`));
      assert.equal(await audit.flush(), true, audit.status().lastError);
      const rows = await verifiedChain(store);
      assert.deepEqual(rows.map((r) => r.resource), events.map((e) => e.resource));
      assert.equal(rows.filter(isStandIn).length, 0);
      assert.equal(unstorable(), 0);
      await audit.stop();
    } finally {
      await close();
    }
  });

  it('a stand-in refused too: the batch stays queued and the gate closed; once taken, every record is written once', async (t) => {
    const why = await pgSkip();
    if (why !== undefined) return void t.skip(why);
    const { store, schema, close } = await pgStore();
    try {
      const { metrics, unstorable } = counting();
      const audit = createAudit({ store, now: () => Date.now(), metrics }, { flushMs: 60_000 });
      // The stand-in keeps the action, which the trigger refuses too.
      const events = Array.from({ length: 8 }, (_, i) => decisionEvent(i, i === 5 ? { action: 'poison:Action' } : {}));
      for (const e of events) audit.record(e);
      assert.equal(await audit.flush(), false);
      assert.equal(audit.status().healthy, false);
      assert.match(audit.status().lastError ?? '', /and the stand-in that would take its place as well/);
      assert.ok(audit.gate('sessions are not issued') !== undefined);
      assert.equal(await audit.flush(), false, 'still refused');
      assert.equal(unstorable(), 0);
      await pgAdmin((c) => c.query(`DROP TRIGGER au_refuse ON ${schema}.audit_log`));
      assert.equal(await audit.flush(), true, audit.status().lastError);
      const rows = await verifiedChain(store);
      assert.deepEqual(rows.map((r) => `${r.action} ${r.resource}`), events.map((e) => `${e.action} ${e.resource}`), 'each record once, in order');
      assert.equal(rows.filter(isStandIn).length, 0);
      await audit.stop();
    } finally {
      await close();
    }
  });
});

describe('review au1: SQLite', () => {
  it("a record refused by a trigger's RAISE(ABORT) is replaced by a stand-in; a split bounded to a few writes per attempt gets there", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-review-au1-sqlite-'));
    dirs.push(dir);
    const store = await openSqliteStore({ dataDir: dir });
    const db = new DatabaseSync(join(dir, 'gatehouse.db'));
    db.exec(`CREATE TRIGGER au_refuse BEFORE INSERT ON audit_log WHEN NEW.resource LIKE '%poison%' BEGIN SELECT RAISE(ABORT, 'refused for ''that'' value'); END`);
    db.close();
    try {
      const { metrics, unstorable } = counting();
      const audit = createAudit({ store, now: () => Date.now(), metrics, appender: storeAppender(store, undefined) }, { flushMs: 60_000 });
      const bad = new Set([2, 9, 10, 13]);
      const events = Array.from({ length: 16 }, (_, i) => decisionEvent(i, bad.has(i) ? { resource: `arn:aws:s3:::b/poison${i}` } : {}));
      for (const e of events) audit.record(e);
      assert.equal(await audit.flush(), true, audit.status().lastError);
      const rows = await verifiedChain(store);
      assert.deepEqual(rows.map((r) => r.resource), events.map((e, i) => (bad.has(i) ? '' : e.resource)));
      const standIn = rows[2] as AuditRecord;
      assert.deepEqual(standIn.detail['refusal'], { code: 'SQLITE_CONSTRAINT_TRIGGER', message: "refused for '...' value" });
      assert.equal(unstorable(), 4);
      await audit.stop();

      // At most 6 writes an attempt: the queue's attempts go on from what the last one wrote, nothing written twice.
      const bounded = createAudit({ store, now: () => Date.now(), metrics, appender: storeAppender(store, undefined, { maxSalvageWrites: 6 }) }, { flushMs: 60_000 });
      for (const e of events) bounded.record(e);
      let attempts = 0;
      while (!(await bounded.flush())) assert.ok(++attempts < 20, bounded.status().lastError);
      assert.ok(attempts > 0, 'it took more than one attempt');
      const all = await verifiedChain(store);
      assert.deepEqual(all.slice(16).map((r) => r.resource), events.map((e, i) => (bad.has(i) ? '' : e.resource)));
      assert.equal(unstorable(), 8);
      await bounded.stop();
    } finally {
      await store.close();
    }
  });

  it('a refusal names no value it quotes', () => {
    assert.equal(refusalReason('invalid input syntax for type integer: "12a"'), 'invalid input syntax for type integer: "..."');
    assert.equal(refusalReason("CHECK constraint failed: resource <> 'x''y'"), "CHECK constraint failed: resource <> '...'");
    assert.equal(refusalReason('value "unterminated'), 'value "..."');
  });
});

describe('review au1: a journaled record whose stand-in was committed before a hard stop', () => {
  it('is not appended (nor refused, nor stood in for) again at the next start', async () => {
    const { dir, store, real } = await flakySqlite('gh-review-au1-journal-');
    dirs.push(dir);
    const db = new DatabaseSync(join(dir, 'gatehouse.db'));
    db.exec(`CREATE TRIGGER au_refuse BEFORE INSERT ON audit_log WHEN NEW.resource LIKE '%poison%' BEGIN SELECT RAISE(ABORT, 'refused'); END`);
    db.close();
    const t = Date.parse('2026-12-01T11:00:00.000Z');
    const first = createAudit({ store, now: () => t, journal: fileAuditJournal(dir, { instance: 'pod-a/1' }) }, { flushMs: 60_000 });
    first.record(sessionEvent(1));
    first.record(sessionEvent(2, { resource: `arn:aws:iam::${ROOT}:role/poison`, detail: { durationSeconds: 900 } }));
    // The process stops hard after the commit and before the journal goes: keep the segment as it was.
    const files = (await readdir(join(dir, SPOOL_DIR))).filter((n) => n.startsWith('audit-journal-') && n.endsWith('.jsonl'));
    assert.equal(files.length, 1);
    const saved = join(dir, 'saved.jsonl');
    await copyFile(join(dir, SPOOL_DIR, files[0] as string), saved);
    assert.ok(await first.flush());
    assert.deepEqual((await verifiedChain(real)).map((r) => isStandIn(r)), [false, true]);
    await segmentReleased(join(dir, SPOOL_DIR), files[0] as string);
    await copyFile(saved, join(dir, SPOOL_DIR, files[0] as string));

    const logs: string[] = [];
    const { metrics, unstorable } = counting();
    const second = createAudit({ store, now: () => t + 60_000, log: (l) => void logs.push(l), metrics, journal: fileAuditJournal(dir, { instance: 'pod-b/2' }) }, { flushMs: 5 });
    second.start();
    assert.ok(await second.flush());
    const rows = await verifiedChain(real);
    assert.deepEqual(rows.map((r) => `${r.action} ${isStandIn(r)}`), ['sts:AssumeRole false', 'sts:AssumeRole true'], rows.map((r) => `${r.seq} ${r.action} ${r.resource}`).join('; '));
    assert.ok(logs.some((l) => /are all in the audit log already/.test(l)), logs.join('\n'));
    assert.equal(unstorable(), 0);
    await first.stop();
    await second.stop();
    await real.close();
  });
});
