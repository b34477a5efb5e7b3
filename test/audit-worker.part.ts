/**
 * The audit writer thread (src/adapters/audit-worker) over real databases: what the deciding thread hands over
 * is what is written (every field, in order, chained, secrets redacted); a store that refuses keeps the batch
 * queued and the failure policy applies, and everything is written once it takes writes again; a worker
 * writer and a writer on the main thread (another instance) make one chain; PostgreSQL through the worker's
 * own pool (skipped with a message when unreachable).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';
import { EMPTY_HEAD, chainVerifier, REDACTED, type AuditEvent } from '../src/core/audit/index.ts';
import { createAudit } from '../src/app/audit.ts';
import { auditWorker, auditWriterThreadId, decodeEvents, encodeEvents } from '../src/adapters/audit-worker/index.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function sqlite() {
  const dir = await mkdtemp(join(tmpdir(), 'gh-audit-worker-'));
  const store = await openSqliteStore({ dataDir: dir });
  cleanups.push(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  return store;
}

const ev = (i: number, extra: Partial<AuditEvent> = {}): AuditEvent => ({
  kind: 'decision',
  account: '000000000000',
  principal: 'arn:aws:iam::000000000000:user/u',
  action: 's3:GetObject',
  resource: `arn:aws:s3:::b/${i}`,
  decision: i % 3 === 0 ? 'ImplicitDeny' : 'Allow',
  detail: { i },
  ...extra,
});

const until = async (what: string, cond: () => boolean, ms = 10_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('audit writer thread', () => {
  it('carries every field of an event across, absent ones absent', () => {
    const full: AuditEvent = { ...ev(1), role: 'arn:r', session: 'arn:s', job: 'j', sourceIdentity: 'si', sourceIp: '10.0.0.1', detail: { a: [1, { b: null }] } };
    const bare: AuditEvent = { kind: 'change', account: '', principal: 'p', action: 'iam:CreateUser', resource: 'r' };
    const { detail: _detail, ...fullFields } = full;
    assert.deepEqual(decodeEvents(encodeEvents([{ at: 1, event: full }, { at: 2, event: bare }])), [
      { at: 1, event: fullFields, detailText: '{"a":[1,{"b":null}]}' },
      { at: 2, event: bare, detailText: '{}' },
    ]);
  });

  it('writes what it is handed: in order, chained, redacted, every field; a detail a clone cannot carry is written as its JSON', async () => {
    const store = await sqlite();
    const audit = createAudit({ store, now: () => Date.now(), appender: auditWorker({ dialect: 'sqlite', file: store.file }) }, { flushMs: 5, batchSize: 40 });
    for (let i = 0; i < 200; i++) audit.record(ev(i));
    audit.record(ev(200, { kind: 'session', role: 'arn:aws:iam::000000000000:role/r', session: 'arn:aws:sts::000000000000:assumed-role/r/s', job: 'job-1', sourceIdentity: 'alice', sourceIp: '10.1.2.3', detail: { result: { secretAccessKey: 'SECRET', sessionToken: 'TOKEN' }, durationSeconds: 3600 } }));
    audit.record(ev(201, { detail: { i: 201, callback: () => 'not data', nested: { keep: true } } }));
    assert.ok(await audit.flush());
    assert.equal(audit.status().written, 202);
    await audit.stop();

    const head = await store.read((tx) => tx.audit.head());
    const rows = await store.read((tx) => tx.audit.list({}, 0, 1000));
    assert.equal(head.seq, 202);
    const v = chainVerifier(EMPTY_HEAD, sha256);
    assert.equal(v.check(rows) ?? v.end(head), undefined);
    assert.deepEqual(rows.slice(0, 200).map((r) => r.detail['i']), Array.from({ length: 200 }, (_, i) => i));
    assert.deepEqual(rows.slice(0, 3).map((r) => r.decision), ['ImplicitDeny', 'Allow', 'Allow']);
    const session = rows[200];
    assert.deepEqual(
      [session?.kind, session?.role, session?.session, session?.job, session?.sourceIdentity, session?.sourceIp],
      ['session', 'arn:aws:iam::000000000000:role/r', 'arn:aws:sts::000000000000:assumed-role/r/s', 'job-1', 'alice', '10.1.2.3'],
    );
    assert.deepEqual(session?.detail, { result: { secretAccessKey: REDACTED, sessionToken: REDACTED }, durationSeconds: 3600 });
    assert.deepEqual(rows[201]?.detail, { i: 201, nested: { keep: true } });
    assert.equal(rows[0]?.role, undefined);
  });

  it('keeps a refused batch queued, applies the closed policy, and writes everything once the store takes writes again', async () => {
    const store = await sqlite();
    const logs: string[] = [];
    const audit = createAudit({ store, now: () => Date.now(), log: (l) => void logs.push(l), appender: auditWorker({ dialect: 'sqlite', file: store.file }) }, { flushMs: 10, batchSize: 20 });
    for (let i = 0; i < 10; i++) audit.record(ev(i));
    assert.ok(await audit.flush());
    // Another connection takes the table away: the worker's writes fail with SQLite's own message.
    const db = new DatabaseSync(store.file);
    db.exec('ALTER TABLE audit_log RENAME TO audit_log_away');
    for (let i = 10; i < 50; i++) audit.record(ev(i));
    assert.equal(await audit.flush(), false);
    assert.deepEqual([audit.status().healthy, audit.status().backlog, audit.status().written], [false, 40, 10]);
    assert.match(audit.status().lastError ?? '', /no such table: audit_log/);
    const refused = audit.gate('sessions are not issued');
    assert.equal(refused?.ok, false);
    assert.ok(logs.some((l) => l.startsWith('audit: cannot write 40 queued record(s)')), logs.join('\n'));

    db.exec('ALTER TABLE audit_log_away RENAME TO audit_log');
    db.close();
    await until('the backlog is written', () => audit.status().backlog === 0 && audit.status().healthy);
    assert.equal(audit.gate('sessions are not issued'), undefined);
    await audit.stop();
    const rows = await store.read((tx) => tx.audit.list({}, 0, 1000));
    assert.deepEqual(rows.map((r) => r.detail['i']), Array.from({ length: 50 }, (_, i) => i));
    const head = await store.read((tx) => tx.audit.head());
    const v = chainVerifier(EMPTY_HEAD, sha256);
    assert.equal(v.check(rows) ?? v.end(head), undefined);
  });

  it('a writer thread and a writer on the main thread (another instance) make one chain; a closed writer starts again on the next batch', async () => {
    const store = await sqlite();
    const appender = auditWorker({ dialect: 'sqlite', file: store.file });
    const a = createAudit({ store, now: () => Date.now(), appender }, { flushMs: 5, batchSize: 50 });
    const b = createAudit({ store, now: () => Date.now() }, { flushMs: 5, batchSize: 50 });
    for (let i = 0; i < 300; i++) {
      a.record(ev(i, { principal: 'arn:aws:iam::000000000000:user/worker' }));
      b.record(ev(i, { principal: 'arn:aws:iam::000000000000:user/main' }));
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 2));
    }
    assert.ok(await a.flush());
    assert.ok(await b.flush());
    await appender.close?.();
    a.record(ev(300, { principal: 'arn:aws:iam::000000000000:user/worker' }));
    assert.ok(await a.flush());
    await a.stop();
    await b.stop();
    const head = await store.read((tx) => tx.audit.head());
    assert.equal(head.seq, 601);
    const all = await store.read((tx) => tx.audit.list({}, 0, 1000));
    const v = chainVerifier(EMPTY_HEAD, sha256);
    assert.equal(v.check(all) ?? v.end(head), undefined);
    assert.deepEqual(all.filter((r) => r.principal.endsWith('/worker')).map((r) => r.detail['i']), Array.from({ length: 301 }, (_, i) => i));
  });

  it('warm() starts the thread and opens its store before any record, and says when the store cannot be opened', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-audit-warm-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'fresh.db');
    const appender = auditWorker({ dialect: 'sqlite', file });
    cleanups.push(async () => appender.close?.());
    assert.equal(existsSync(file), false);
    await appender.warm?.();
    // The thread opened (and so migrated) the database before it was handed anything.
    const db = new DatabaseSync(file);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'").all();
    db.close();
    assert.equal(tables.length, 1);
    const unopenable = auditWorker({ dialect: 'sqlite', file: join(dir, 'no', 'such', 'dir', 'x.db') });
    cleanups.push(async () => unopenable.close?.());
    await assert.rejects(unopenable.warm?.() ?? Promise.resolve(), /./);
  });

  it('one thread serves every writer of the process: each its own store and chain; one closed or unopenable leaves the others writing', async () => {
    const one = await sqlite();
    const two = await sqlite();
    const a = auditWorker({ dialect: 'sqlite', file: one.file });
    const b = auditWorker({ dialect: 'sqlite', file: two.file });
    const dir = await mkdtemp(join(tmpdir(), 'gh-audit-shared-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const unopenable = auditWorker({ dialect: 'sqlite', file: join(dir, 'no', 'such', 'dir', 'x.db') });
    cleanups.push(async () => {
      await a.close?.();
      await b.close?.();
      await unopenable.close?.();
    });
    await a.warm?.();
    const thread = auditWriterThreadId();
    assert.notEqual(thread, undefined);
    await b.warm?.();
    assert.equal(auditWriterThreadId(), thread, 'a second writer opens a channel of the same thread');
    await assert.rejects(unopenable.warm?.() ?? Promise.resolve(), /./);
    const at = Date.now();
    await Promise.all([
      a.append(Array.from({ length: 30 }, (_, i) => ({ at, event: ev(i, { principal: 'arn:aws:iam::000000000000:user/a' }) }))),
      b.append(Array.from({ length: 20 }, (_, i) => ({ at, event: ev(i, { principal: 'arn:aws:iam::000000000000:user/b' }) }))),
      assert.rejects(unopenable.append([{ at, event: ev(0) }]), /./),
    ]);
    assert.ok(a.committed?.() && b.committed?.());
    await a.close?.();
    await b.append([{ at, event: ev(20, { principal: 'arn:aws:iam::000000000000:user/b' }) }]);
    // A closed channel opens again on its next batch, in the same thread.
    await a.append([{ at, event: ev(30, { principal: 'arn:aws:iam::000000000000:user/a' }) }]);
    assert.equal(auditWriterThreadId(), thread);
    for (const [store, who, n] of [[one, 'a', 31], [two, 'b', 21]] as const) {
      const rows = await store.read((tx) => tx.audit.list({}, 0, 1000));
      assert.deepEqual(rows.map((r) => r.principal), Array.from({ length: n }, () => `arn:aws:iam::000000000000:user/${who}`));
      assert.deepEqual(rows.map((r) => r.detail['i']), Array.from({ length: n }, (_, i) => i));
      const head = await store.read((tx) => tx.audit.head());
      const v = chainVerifier(EMPTY_HEAD, sha256);
      assert.equal(v.check(rows) ?? v.end(head), undefined);
    }
  });

  it('writes to PostgreSQL through its own pool', async (t) => {
    const why = await pgSkip();
    if (why !== undefined) return t.skip(why);
    const schema = `gh_audit_worker_${randomBytes(4).toString('hex')}`;
    const store = await openPostgresStore({ url: PG_URL, schema });
    cleanups.push(async () => {
      await store.close();
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    });
    const audit = createAudit({ store, now: () => Date.now(), appender: auditWorker({ dialect: 'postgres', url: PG_URL, schema }) }, { flushMs: 5, batchSize: 100 });
    for (let i = 0; i < 250; i++) audit.record(ev(i));
    assert.ok(await audit.flush());
    await audit.stop();
    const head = await store.read((tx) => tx.audit.head());
    assert.equal(head.seq, 250);
    const rows = await store.read((tx) => tx.audit.list({}, 0, 1000));
    const v = chainVerifier(EMPTY_HEAD, sha256);
    assert.equal(v.check(rows) ?? v.end(head), undefined);
    assert.deepEqual(rows.map((r) => r.detail['i']), Array.from({ length: 250 }, (_, i) => i));
  });
});
