/**
 * Audit records queued when an instance stops are not lost (review D #2): `stop()` keeps retrying for
 * `drainMs`; what is still unwritten then is spooled to a file in the data dir (mode 0600, written atomically,
 * secrets redacted), and the next start appends those records first — new seqs, their original `at`, each marked
 * `recoveredFromSpool`, followed by a `gatehouse:RecoverAudit` record — and removes the spool only once they are
 * committed. A spool already appended is not appended twice. What can be neither written nor spooled is counted as
 * dropped and said loudly. End to end: `gatehouse server` over SQLite with audit inserts failing, under `open`
 * (sessions, a directory change) and `closed` (decisions), stopped, then started again on the same data dir.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { CreateRoleCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { REDACTED, type AuditRecord } from '../src/core/audit/index.ts';
import { createAudit, RECOVER_ACTION } from '../src/app/audit.ts';
import type { AppMetrics } from '../src/app/metrics.ts';
import type { Store } from '../src/app/ports/store.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { flakySqlite, sessionEvent, verifiedChain } from './support/flaky-store.ts';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { startServer } from '../src/main/server.ts';
import { fileAuditSpool, SPOOL_DIR } from '../src/adapters/audit-spool/index.ts';
import { call } from '../src/adapters/cli/client.ts';
import { startTestServer } from './support/server.ts';
import { PG_URL, pgSkip } from './support/postgres.ts';

const ROOT = '000000000000';
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function flaky(): Promise<{ dir: string; store: Store; real: Store; fail: (on: boolean) => void }> {
  const f = await flakySqlite('gh-audit-spool-');
  dirs.push(f.dir);
  return f;
}

const ev = sessionEvent;

function counting(): { metrics: AppMetrics; dropped: () => number } {
  let dropped = 0;
  const metrics: AppMetrics = {
    decision: () => {},
    sessionIssued: () => {},
    auditWritten: () => {},
    auditWriteFailed: () => {},
    auditDropped: (n) => void (dropped += n),
    auditSampledOut: () => {},
    auditGateRefused: () => {},
  };
  return { metrics, dropped: () => dropped };
}

const spoolFiles = async (dataDir: string): Promise<string[]> => (await readdir(join(dataDir, SPOOL_DIR)).catch(() => [] as string[])).filter((n) => n.endsWith('.json'));

const chain = verifiedChain;

describe('audit spool: nothing queued is lost when an instance stops', () => {
  it('spools what cannot be written by the end of the drain, and the next start appends it first, marked, then removes the spool', async () => {
    const { dir, store, real, fail } = await flaky();
    const logs: string[] = [];
    let t = Date.parse('2026-11-30T10:00:00.000Z');
    const first = createAudit({ store, now: () => t, log: (l) => void logs.push(l), spool: fileAuditSpool(dir, { instance: 'pod-a/1' }) }, { flushMs: 5, drainMs: 300 });
    first.start();
    first.record(ev(0));
    assert.ok(await first.flush());
    fail(true);
    const ats: number[] = [];
    for (let i = 1; i <= 3; i++) {
      t += 1000;
      ats.push(t);
      first.record(ev(i, i === 2 ? { detail: { i, secretAccessKey: 'wJalrXUtnFEMI/K7MDENG', sessionToken: 'FwoGZXIvYXdzE' } } : {}));
    }
    await first.stop();
    assert.equal(first.status().dropped, 0);
    assert.equal(first.status().backlog, 0);

    // The spool: one file, owner-only, the three records as they would be linked, secrets redacted.
    const files = await spoolFiles(dir);
    assert.equal(files.length, 1, `one spool in ${join(dir, SPOOL_DIR)}`);
    const path = join(dir, SPOOL_DIR, files[0] as string);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal((await stat(join(dir, SPOOL_DIR))).mode & 0o777, 0o700);
    const text = await readFile(path, 'utf8');
    assert.ok(!text.includes('wJalrXUtnFEMI') && !text.includes('FwoGZXIvYXdzE'), 'no secret in the spool');
    const doc = JSON.parse(text) as { instance: string; spooledAt: string; count: number; reason: string; records: { at: string; detail: Record<string, unknown>; sourceIp?: string }[] };
    assert.equal(doc.instance, 'pod-a/1');
    assert.equal(doc.count, 3);
    assert.match(doc.reason, /disk I\/O error/);
    assert.deepEqual(doc.records.map((r) => r.at), ats.map((a) => new Date(a).toISOString()));
    assert.equal(doc.records[1]?.detail['secretAccessKey'], REDACTED);
    assert.equal(doc.records[0]?.sourceIp, '10.0.0.7');
    assert.ok(logs.some((l) => l.includes('3 record(s) could not be written before stopping') && l.includes(path)), logs.join('\n'));
    assert.equal((await chain(real)).length, 1, 'nothing else was written');

    // The next start (another instance, same data dir), the store writable again: the spooled records come first.
    fail(false);
    t += 60_000;
    const logs2: string[] = [];
    const second = createAudit({ store, now: () => t, log: (l) => void logs2.push(l), spool: fileAuditSpool(dir, { instance: 'pod-b/2' }) }, { flushMs: 5 });
    second.start();
    second.record(ev(9, { detail: { i: 9, after: 'restart' } }));
    assert.ok(await second.flush());
    const rows = await chain(real);
    assert.deepEqual(rows.map((r) => r.seq), [1, 2, 3, 4, 5, 6]);
    const recovered = rows.slice(1, 4);
    assert.deepEqual(recovered.map((r) => r.detail['i']), [1, 2, 3], 'in their order');
    assert.deepEqual(recovered.map((r) => r.at), ats.map((a) => new Date(a).toISOString()), 'their original time');
    assert.deepEqual(recovered.map((r) => r.session), [1, 2, 3].map((i) => `arn:aws:sts::${ROOT}:assumed-role/r/s${i}`));
    for (const r of recovered) {
      assert.deepEqual(r.detail['recoveredFromSpool'], { spool: files[0], instance: 'pod-a/1', spooledAt: doc.spooledAt, count: 3, recoveredBy: 'pod-b/2' });
    }
    assert.equal(recovered[1]?.detail['secretAccessKey'], REDACTED);
    const note = rows[4] as AuditRecord;
    assert.equal(note.action, RECOVER_ACTION);
    assert.equal(note.at, new Date(t).toISOString());
    assert.deepEqual([note.detail['count'], note.detail['instance'], note.detail['recoveredBy'], note.detail['firstAt'], note.detail['lastAt']], [3, 'pod-a/1', 'pod-b/2', new Date(ats[0] as number).toISOString(), new Date(ats[2] as number).toISOString()]);
    assert.equal(rows[5]?.detail['after'], 'restart', 'what was recorded since comes after');
    assert.deepEqual(await spoolFiles(dir), [], 'the spool is removed once appended');
    assert.equal(second.status().recovered, 3);
    assert.ok(logs2.some((l) => l.startsWith('audit: appended 3 record(s) that pod-a/1 spooled')), logs2.join('\n'));
    await second.stop();
    await real.close();
  });

  it('keeps the spool while the store cannot take it, and never appends a spool twice', async () => {
    const { dir, store, real, fail } = await flaky();
    const first = createAudit({ store, now: () => Date.now(), spool: fileAuditSpool(dir, { instance: 'a' }) }, { flushMs: 5, drainMs: 50 });
    first.start();
    fail(true);
    first.record(ev(1));
    first.record(ev(2));
    await first.stop();
    const [file] = await spoolFiles(dir);
    assert.ok(file);
    const saved = join(dir, `${file}.copy`);
    await copyFile(join(dir, SPOOL_DIR, file), saved);

    // Still failing: the spool stays, and what this instance queues waits behind it (spooled again at its stop).
    const second = createAudit({ store, now: () => Date.now(), spool: fileAuditSpool(dir, { instance: 'b' }) }, { flushMs: 5, drainMs: 50 });
    second.start();
    second.record(ev(3));
    assert.equal(await second.flush(), false);
    assert.equal(second.status().healthy, false);
    await second.stop();
    assert.equal((await spoolFiles(dir)).length, 2);

    fail(false);
    const third = createAudit({ store, now: () => Date.now(), spool: fileAuditSpool(dir, { instance: 'c' }) }, { flushMs: 5 });
    third.start();
    assert.ok(await third.flush());
    await third.stop();
    assert.deepEqual(await spoolFiles(dir), []);
    let rows = await chain(real);
    assert.deepEqual(rows.map((r) => r.detail['i'] ?? r.action), [1, 2, RECOVER_ACTION, 3, RECOVER_ACTION], 'oldest spool first');

    // The first spool again, as if its removal had failed after the commit: recognised, removed, not appended.
    await copyFile(saved, join(dir, SPOOL_DIR, file));
    const fourth = createAudit({ store, now: () => Date.now(), spool: fileAuditSpool(dir, { instance: 'd' }) }, { flushMs: 5 });
    fourth.start();
    assert.ok(await fourth.flush());
    await fourth.stop();
    assert.deepEqual(await spoolFiles(dir), []);
    rows = await chain(real);
    assert.equal(rows.length, 5, 'not appended twice');
    await real.close();
  });

  it('keeps retrying while stopping, for up to drainMs: a store back within it gets every record, and nothing is spooled', async () => {
    const { dir, store, real, fail } = await flaky();
    const audit = createAudit({ store, now: () => Date.now(), spool: fileAuditSpool(dir) }, { flushMs: 5, drainMs: 5000 });
    fail(true);
    for (let i = 1; i <= 4; i++) audit.record(ev(i));
    assert.equal(await audit.flush(), false);
    setTimeout(() => fail(false), 400);
    const began = Date.now();
    await audit.stop();
    assert.ok(Date.now() - began < 4000, 'stops once written, not at the end of the drain');
    assert.deepEqual(await spoolFiles(dir), []);
    assert.deepEqual((await chain(real)).map((r) => r.detail['i']), [1, 2, 3, 4]);
    await real.close();
  });

  it('counts records it can neither write nor spool as dropped, and says so loudly', async () => {
    const { dir, store, real, fail } = await flaky();
    // The spool directory cannot be made: a file stands where it would be.
    const blocked = join(dir, 'blocked');
    await writeFile(blocked, '');
    const logs: string[] = [];
    const c = counting();
    const audit = createAudit({ store, now: () => Date.now(), log: (l) => void logs.push(l), metrics: c.metrics, spool: fileAuditSpool(join(blocked, 'x')) }, { flushMs: 5, drainMs: 50 });
    fail(true);
    for (let i = 1; i <= 5; i++) audit.record(ev(i));
    await audit.stop();
    assert.equal(audit.status().dropped, 5);
    assert.equal(c.dropped(), 5, 'gatehouse_audit_dropped_total counts them');
    assert.ok(logs.some((l) => l.startsWith('audit: LOST 5 AUDIT RECORD(S)')), logs.join('\n'));
    await real.close();
  });
});

describe('audit spool end to end: gatehouse server stopped during an audit-only outage', () => {
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'] }] });
  const failAuditInserts = (dataDir: string, on: boolean): void => {
    const db = new DatabaseSync(join(dataDir, 'gatehouse.db'), { timeout: 5000 });
    db.exec(on ? `CREATE TRIGGER gh_test_audit_down BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit writes refused by the test'); END` : 'DROP TRIGGER gh_test_audit_down');
    db.close();
  };
  const readAll = async (dataDir: string): Promise<AuditRecord[]> => {
    const store = await openSqliteStore({ dataDir });
    try {
      return await chain(store, dataDir);
    } finally {
      await store.close();
    }
  };

  for (const failure of ['open', 'closed'] as const) {
    it(`under ${failure}: what waited in memory is spooled at stop and in the chain after the next start`, async () => {
      const dataDir = await mkdtemp(join(tmpdir(), `gh-audit-spool-e2e-${failure}-`));
      dirs.push(dataDir);
      const s = await startTestServer({ dataDir, keepDir: true, audit: { failure, drainMs: 500 } });
      await s.iam().send(new CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: trust }));
      assert.ok(await s.running.app.audit.flush());
      const before = (await readAll(dataDir)).length;
      failAuditInserts(dataDir, true);
      const expected: string[] = [];
      if (failure === 'open') {
        // Sessions and a change go on under `open`; their records wait in memory.
        await s.sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/trainer`, RoleSessionName: 'open1', SourceIdentity: 'o1' }));
        await s.sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/trainer`, RoleSessionName: 'open2' }));
        await s.iam().send(new CreateUserCommand({ UserName: 'during-outage' }));
        expected.push('sts:AssumeRole', 'sts:AssumeRole', 'iam:CreateUser');
      } else {
        // Under `closed` decisions still carry on (denials included); their records wait in memory.
        const endpoint = new URL(s.url);
        for (const action of ['s3:GetObject', 'ec2:RunInstances']) {
          const r = await call<{ decision: string }>({ endpoint, credentials: s.admin, region: 'us-east-1', credentialsSource: 'test' }, 'POST', ['authorize'], {
            body: { principal: `arn:aws:iam::${ROOT}:role/trainer`, action, resource: '*' },
          });
          assert.ok(r.ok);
          expected.push(action);
        }
      }
      // Until the writer has failed at least once, so the records are the outage's.
      const end = Date.now() + 5000;
      while (s.running.app.audit.status().failures === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      assert.equal(s.running.app.audit.status().backlog, expected.length);
      await s.stopServer();
      assert.ok(s.logs.some((l) => new RegExp(`^audit: ${expected.length} record\\(s\\) could not be written before stopping .*audit writes refused by the test.*; spooled to ${join(dataDir, SPOOL_DIR)}/`).test(l)), s.logs.join('\n'));
      assert.equal((await spoolFiles(dataDir)).length, 1);
      assert.equal((await readAll(dataDir)).length, before, 'nothing written meanwhile');

      failAuditInserts(dataDir, false);
      const again = await startTestServer({ dataDir, audit: { failure } });
      try {
        assert.ok(await again.running.app.audit.flush());
        const rows = await readAll(dataDir);
        const recovered = rows.filter((r) => r.detail['recoveredFromSpool'] !== undefined);
        assert.deepEqual(recovered.map((r) => r.action), expected);
        assert.equal(recovered[0]?.seq, before + 1, 'appended first, with the next seqs');
        const note = rows.find((r) => r.action === RECOVER_ACTION);
        assert.equal(note?.seq, before + expected.length + 1);
        assert.equal(note?.detail['count'], expected.length);
        if (failure === 'open') assert.equal(recovered[0]?.sourceIdentity, 'o1');
        assert.deepEqual(await spoolFiles(dataDir), []);
      } finally {
        await again.stop();
      }
    });
  }
});

describe('audit spool end to end on PostgreSQL: the data dir holds the spool there too', () => {
  it('spools at stop during an audit-only outage and appends at the next start', async (t) => {
    const why = await pgSkip();
    if (why !== undefined) return t.skip(why);
    const admin = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 10_000 });
    await admin.connect();
    const schema = `gh_audit_spool_${randomBytes(4).toString('hex')}`;
    const dataDir = await mkdtemp(join(tmpdir(), 'gh-audit-spool-pg-'));
    dirs.push(dataDir);
    const logs: string[] = [];
    const start = () => startServer({ dataDir, databaseUrl: PG_URL, databaseSchema: schema, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: {}, log: (l) => void logs.push(l), audit: { failure: 'open', drainMs: 500 } });
    const running: { stop(): Promise<unknown> }[] = [];
    try {
      const first = await start();
      running.push(first);
      const endpoint = new URL(first.url);
      const credentials = { accessKeyId: first.adminCredentials?.AccessKeyId ?? '', secretAccessKey: first.adminCredentials?.SecretAccessKey ?? '' };
      assert.ok(await first.app.audit.flush());
      await admin.query(`CREATE FUNCTION ${schema}.refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit writes refused by the test'; END $$`);
      await admin.query(`CREATE TRIGGER refuse BEFORE INSERT ON ${schema}.audit_log FOR EACH ROW EXECUTE FUNCTION ${schema}.refuse()`);
      for (const action of ['s3:GetObject', 'ec2:RunInstances']) {
        // Decisions carry on; every allow is recorded (no sampling), so each waits in memory.
        const r = await call<{ decision: string }>({ endpoint, credentials, region: 'us-east-1', credentialsSource: 'test' }, 'POST', ['authorize'], { body: { action, resource: '*' } });
        assert.ok(r.ok, JSON.stringify(r));
      }
      const end = Date.now() + 10_000;
      while (first.app.audit.status().failures === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      const queued = first.app.audit.status().backlog;
      assert.ok(queued >= 2, `${queued} queued`);
      running.pop();
      await first.stop();
      assert.equal((await spoolFiles(dataDir)).length, 1, logs.join('\n'));

      await admin.query(`DROP TRIGGER refuse ON ${schema}.audit_log`);
      const second = await start();
      running.push(second);
      assert.ok(await second.app.audit.flush());
      running.pop();
      await second.stop();
      const store = await openPostgresStore({ url: PG_URL, schema });
      try {
        const rows = await chain(store, dataDir);
        assert.equal(rows.filter((r) => r.detail['recoveredFromSpool'] !== undefined).length, queued);
        assert.equal(rows.filter((r) => r.action === RECOVER_ACTION).length, 1);
      } finally {
        await store.close();
      }
      assert.deepEqual(await spoolFiles(dataDir), []);
    } finally {
      for (const r of running) await r.stop().catch(() => {});
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
      await admin.end();
    }
  });
});
