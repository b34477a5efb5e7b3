/**
 * A hard stop (kill -9, out of memory) loses no record that grants or changes access: sessions, directory changes
 * and job records are journaled to the data dir as they are recorded (src/adapters/audit-spool/journal.ts), and
 * the next start appends those its chain does not hold — each once, marked `recoveredFromSpool`, followed by a
 * `gatehouse:RecoverAudit` record — then removes the journal. Records whose batch committed before the stop are
 * not appended twice. Decisions are not journaled. In process with a store whose writes fail, then end to end:
 * `gatehouse server` killed with SIGKILL, with audit writes refused and with them working.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { CreateRoleCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { REDACTED, type AuditRecord } from '../src/core/audit/index.ts';
import { createAudit, RECOVER_ACTION } from '../src/app/audit.ts';
import type { Store } from '../src/app/ports/store.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { SPOOL_DIR } from '../src/adapters/audit-spool/index.ts';
import { fileAuditJournal } from '../src/adapters/audit-spool/journal.ts';
import { flakySqlite, segmentReleased, sessionEvent, verifiedChain } from './support/flaky-store.ts';
import { serverProcess } from './support/processes.ts';
import { serverInProcess } from './support/server-in-process.ts';
import { settled } from './support/settle.ts';

const ROOT = '000000000000';
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const ev = sessionEvent;

const journalFiles = async (dataDir: string): Promise<string[]> => (await readdir(join(dataDir, SPOOL_DIR)).catch(() => [] as string[])).filter((n) => n.startsWith('audit-journal-') && n.endsWith('.jsonl')).sort();

const chain = verifiedChain;

describe('audit journal: a hard stop loses no session, change or job record', () => {
  it('journals what waits to be written; the next start appends it once, marked, and removes the journal', async () => {
    const { dir, store, real, fail } = await flakySqlite('gh-audit-journal-');
    dirs.push(dir);
    let t = Date.parse('2026-12-01T10:00:00.000Z');
    // The first instance's own view of the store: once it "dies", it never writes again (its queue is lost with it).
    let dead = false;
    const firstStore: Store = { ...store, write: (fn) => (dead ? Promise.reject(new Error('this process is dead')) : store.write(fn)) };
    const first = createAudit({ store: firstStore, now: () => t, journal: fileAuditJournal(dir, { instance: 'pod-a/1' }) }, { flushMs: 5 });
    first.start();
    first.record(ev(0));
    assert.ok(await first.flush());
    assert.deepEqual(await journalFiles(dir), [], 'a committed batch takes its journal with it');
    fail(true);
    for (let i = 1; i <= 3; i++) {
      t += 1000;
      first.record(ev(i, i === 2 ? { kind: 'change', action: 'iam:CreateAccessKey', detail: { i, secretAccessKey: 'wJalrXUtnFEMI/K7MDENG' } } : {}));
    }
    // Decisions are not journaled.
    first.decision({ account: ROOT, principal: `arn:aws:iam::${ROOT}:user/u`, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', decision: 'ImplicitDeny', detail: { i: 99 } });
    assert.equal(await first.flush(), false, 'the store refuses');
    // The process dies here: no stop(), nothing spooled. What it journaled is on disk, owner-only, redacted.
    dead = true;
    const files = await journalFiles(dir);
    assert.ok(files.length >= 1, 'a journal is left');
    let text = '';
    for (const f of files) {
      assert.equal((await stat(join(dir, SPOOL_DIR, f))).mode & 0o777, 0o600);
      text += await readFile(join(dir, SPOOL_DIR, f), 'utf8');
    }
    assert.ok(!text.includes('wJalrXUtnFEMI'), 'no secret in the journal');
    assert.ok(!text.includes('"i":99'), 'no decision in the journal');

    fail(false);
    t += 60_000;
    const logs: string[] = [];
    const second = createAudit({ store, now: () => t, log: (l) => void logs.push(l), journal: fileAuditJournal(dir, { instance: 'pod-b/2' }) }, { flushMs: 5 });
    second.start();
    second.record(ev(9));
    assert.ok(await second.flush());
    const rows = await chain(real);
    assert.deepEqual(rows.map((r) => r.detail['i']).slice(0, 4), [0, 1, 2, 3], 'the journaled records, in order, after what was written');
    const recovered = rows.slice(1, 4);
    for (const r of recovered) assert.equal((r.detail['recoveredFromSpool'] as Record<string, unknown>)['instance'], 'pod-a/1');
    assert.equal(recovered[1]?.detail['secretAccessKey'], REDACTED);
    const note = rows[4] as AuditRecord;
    assert.equal(note.action, RECOVER_ACTION);
    assert.equal(note.detail['count'], 3);
    assert.equal(note.detail['alreadyWritten'], 0);
    assert.equal(rows[5]?.detail['i'], 9);
    assert.equal(rows.length, 6, 'each once');
    assert.deepEqual(await journalFiles(dir), [], 'the journal is removed once its records are committed');
    assert.ok(logs.some((l) => l.includes('journaled by an earlier process that stopped hard')), logs.join('\n'));

    // A third start finds nothing left to do.
    const third = createAudit({ store, now: () => t, journal: fileAuditJournal(dir, { instance: 'pod-c/3' }) }, { flushMs: 5 });
    third.start();
    assert.ok(await third.flush());
    assert.equal((await chain(real)).length, 6);
    await second.stop();
    await third.stop();
    await real.close();
  });

  it('a journal whose records were committed before the stop appends only those that were not', async () => {
    const { dir, store, real } = await flakySqlite('gh-audit-journal-dup-');
    dirs.push(dir);
    let t = Date.parse('2026-12-01T11:00:00.000Z');
    const first = createAudit({ store, now: () => t, journal: fileAuditJournal(dir, { instance: 'pod-a/1' }) }, { flushMs: 60_000 });
    for (let i = 1; i <= 3; i++) {
      t += 1;
      first.record(ev(i));
    }
    // Two identical records in one millisecond are two records.
    first.record(ev(4));
    first.record(ev(4));
    // The stop came after the commit and before the journal was removed: keep a copy of it as it was.
    const [file] = await journalFiles(dir);
    assert.ok(file);
    const saved = join(dir, 'saved.jsonl');
    await copyFile(join(dir, SPOOL_DIR, file), saved);
    assert.ok(await first.flush());
    assert.equal((await chain(real)).length, 5);
    await segmentReleased(join(dir, SPOOL_DIR), file);
    // One record more than what was committed (journaled, then the process died before its batch).
    const extra = `${JSON.stringify({ at: new Date(t + 5).toISOString(), kind: 'change', account: ROOT, principal: `arn:aws:iam::${ROOT}:user/u`, action: 'iam:CreateUser', resource: `arn:aws:iam::${ROOT}:user/late`, decision: 'ok', detail: { i: 5 } })}\n`;
    await writeFile(join(dir, SPOOL_DIR, file), (await readFile(saved, 'utf8')) + extra + '{"at":"2026-12-01T11:0', { mode: 0o600 });

    const logs: string[] = [];
    const second = createAudit({ store, now: () => t + 60_000, log: (l) => void logs.push(l), journal: fileAuditJournal(dir, { instance: 'pod-b/2' }) }, { flushMs: 5 });
    second.start();
    assert.ok(await second.flush());
    const rows = await chain(real);
    assert.deepEqual(rows.map((r) => r.detail['i'] ?? r.action), [1, 2, 3, 4, 4, 5, RECOVER_ACTION], 'the committed five once, the late change appended; the torn last line skipped');
    assert.equal(rows[6]?.detail['journaled'], 6);
    assert.equal(rows[6]?.detail['alreadyWritten'], 5);
    assert.deepEqual(await journalFiles(dir), []);

    // The same journal found again under its own name: its recovery is in the chain, so it is only removed.
    await copyFile(saved, join(dir, SPOOL_DIR, file));
    const again = createAudit({ store, now: () => t + 90_000, journal: fileAuditJournal(dir, { instance: 'pod-c/3' }) }, { flushMs: 5 });
    again.start();
    assert.ok(await again.flush());
    assert.equal((await chain(real)).length, 7);
    assert.deepEqual(await journalFiles(dir), []);
    await again.stop();

    // Another segment whose records were all written already: nothing appended, not even a RecoverAudit record.
    await copyFile(saved, join(dir, SPOOL_DIR, file.replace(/-\d{6}\.jsonl$/, '-000042.jsonl')));
    const third = createAudit({ store, now: () => t + 120_000, log: (l) => void logs.push(l), journal: fileAuditJournal(dir, { instance: 'pod-c/3' }) }, { flushMs: 5 });
    third.start();
    assert.ok(await third.flush());
    assert.equal((await chain(real)).length, 7);
    assert.ok(logs.some((l) => /the 5 record\(s\) pod-a\/1 journaled in .* are all in the audit log already/.test(l)), logs.join('\n'));
    assert.deepEqual(await journalFiles(dir), []);
    await second.stop();
    await third.stop();
    await real.close();
  });

  it('under open, a full backlog stops sessions and changes rather than drop their records; one already under way is kept in the journal for the next start', async () => {
    const { dir, store, real, fail } = await flakySqlite('gh-audit-journal-full-');
    dirs.push(dir);
    const logs: string[] = [];
    const audit = createAudit({ store, now: () => Date.now(), log: (l) => void logs.push(l), journal: fileAuditJournal(dir, { instance: 'pod-a/1' }) }, { failure: 'open', maxBacklog: 20, flushMs: 60_000, drainMs: 0 });
    fail(true);
    assert.equal(audit.gate('sessions are not issued'), undefined, 'open: issuance goes on while records can wait');
    for (let i = 0; i < 25; i++) audit.decision({ account: ROOT, principal: `arn:aws:iam::${ROOT}:user/u`, action: 's3:GetObject', resource: `arn:aws:s3:::b/${i}`, decision: 'ImplicitDeny', detail: { i } });
    assert.equal(audit.status().backlog, 20, 'decisions past the bound are dropped');
    const refused = audit.gate('sessions are not issued');
    assert.equal(refused?.ok === false ? refused.errors[0]?.code : undefined, 'SERVICE_UNAVAILABLE', 'open: a full backlog stops issuance');
    assert.ok(logs.some((l) => l.includes('the records of new sessions and changes could not be kept')), logs.join('\n'));
    // A session issued just before the gate closed still finds room (sessions, changes and jobs have a margin)…
    audit.record(ev(100));
    assert.equal(audit.status().backlog, 21);
    // …and past the margin its record is not kept in memory, but stays journaled for the next start.
    for (let i = 101; i < 101 + 1000; i++) audit.record(ev(i));
    assert.equal(audit.status().dropped, 5 + 1000 - 999);
    await audit.stop().catch(() => {});
    fail(false);
    const next = createAudit({ store, now: () => Date.now(), journal: fileAuditJournal(dir, { instance: 'pod-b/2' }) }, { flushMs: 5 });
    next.start();
    assert.ok(await next.flush());
    const sessions = (await chain(real)).filter((r) => r.kind === 'session').map((r) => r.detail['i']);
    assert.equal(new Set(sessions).size, 1001, 'every session once: the queued ones, and the one past the margin from the journal');
    assert.equal(sessions.length, 1001);
    await next.stop();
    await real.close();
  });

  it('a line a full disk cut short is skipped and every whole line recovered; a write that fails starts a new file', async () => {
    const { dir, store, real } = await flakySqlite('gh-audit-journal-torn-');
    dirs.push(dir);
    const file = 'audit-journal-20261201T100000.000Z-pod-x_1-00000000-000000.jsonl';
    const rec = (i: number): string => JSON.stringify({ at: new Date(Date.parse('2026-12-01T10:00:00.000Z') + i).toISOString(), kind: 'change', account: ROOT, principal: 'p', action: 'iam:CreateUser', resource: `arn:aws:iam::${ROOT}:user/u${i}`, decision: 'ok', detail: { i } });
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, SPOOL_DIR), { recursive: true });
    await writeFile(join(dir, SPOOL_DIR, file), `${JSON.stringify({ format: 'gatehouse-audit-journal', version: 1, instance: 'pod-x/1', host: 'elsewhere', pid: 1, opened: '2026-12-01T10:00:00.000Z' })}\n${rec(1)}\n${rec(2)}\n${rec(3).slice(0, 40)}${rec(4)}\n${rec(5)}\n`);
    // An empty file (a header that a full disk refused) is only removed.
    await writeFile(join(dir, SPOOL_DIR, file.replace('-000000.', '-000001.')), '');
    const logs: string[] = [];
    const audit = createAudit({ store, now: () => Date.now(), log: (l) => void logs.push(l), journal: fileAuditJournal(dir, { instance: 'pod-b/2' }) }, { flushMs: 5 });
    audit.start();
    assert.ok(await audit.flush());
    const rows = await chain(real);
    assert.deepEqual(rows.filter((r) => r.action === 'iam:CreateUser').map((r) => r.detail['i']), [1, 2, 5], 'the whole lines; the torn one (with the line written after it) skipped');
    assert.match(String(rows.at(-1)?.detail['reason']), /line\(s\) 4 could not be read and were skipped/);
    assert.deepEqual(await journalFiles(dir), []);
    await audit.stop();
    await real.close();
  });

  it('leaves the journal of a process still running on this host to it (a second server on the same data dir)', async () => {
    const { dir, store, real } = await flakySqlite('gh-audit-journal-live-');
    dirs.push(dir);
    const { hostname } = await import('node:os');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, SPOOL_DIR), { recursive: true });
    // This test's parent process stands for the other server: alive, same host.
    const file = 'audit-journal-20261201T100000.000Z-pod-x_1-00000000-000000.jsonl';
    const line = JSON.stringify({ at: '2026-12-01T10:00:00.000Z', kind: 'change', account: ROOT, principal: 'p', action: 'iam:CreateUser', resource: 'r', decision: 'ok', detail: {} });
    await writeFile(join(dir, SPOOL_DIR, file), `${JSON.stringify({ format: 'gatehouse-audit-journal', version: 1, instance: 'pod-x/1', host: hostname(), pid: process.ppid, opened: '2026-12-01T10:00:00.000Z' })}\n${line}\n`);
    const logs: string[] = [];
    const audit = createAudit({ store, now: () => Date.now(), log: (l) => void logs.push(l), journal: fileAuditJournal(dir, { instance: 'pod-b/2' }) }, { flushMs: 5 });
    audit.start();
    assert.ok(await audit.flush());
    assert.equal((await chain(real)).length, 0, 'nothing appended');
    assert.deepEqual(await journalFiles(dir), [file], 'left where it is');
    assert.ok(logs.some((l) => l.includes('of another gatehouse process still running on this host')), logs.join('\n'));
    await audit.stop();
    await real.close();
  });

  it('GATEHOUSE_AUDIT_JOURNAL=off (journal: false) writes no journal', async () => {
    const { dir, store, real, fail } = await flakySqlite('gh-audit-journal-off-');
    dirs.push(dir);
    const logs: string[] = [];
    const audit = createAudit({ store, now: () => Date.now(), log: (l) => void logs.push(l), journal: fileAuditJournal(dir, { instance: 'pod-a/1' }) }, { journal: false, flushMs: 60_000, drainMs: 0 });
    audit.start();
    fail(true);
    audit.record(ev(1));
    assert.deepEqual(await journalFiles(dir), []);
    assert.ok(logs.some((l) => l.includes('no journal: a hard stop loses what waits in memory (GATEHOUSE_AUDIT_JOURNAL)')), logs.join('\n'));
    await audit.stop().catch(() => {});
    await real.close();
  });

  it('a journal it cannot read is left where it is and said loudly; a clean stop leaves none', async () => {
    const { dir, store, real } = await flakySqlite('gh-audit-journal-bad-');
    dirs.push(dir);
    const first = createAudit({ store, now: () => Date.now(), journal: fileAuditJournal(dir, { instance: 'pod-a/1' }) }, { flushMs: 60_000 });
    first.record(ev(1));
    first.record(ev(2));
    await first.stop();
    assert.deepEqual(await journalFiles(dir), [], 'written at stop: the journal goes');
    assert.equal((await chain(real)).length, 2);

    const bad = 'audit-journal-20261201T100000.000Z-pod-x_1-00000000-000000.jsonl';
    await writeFile(join(dir, SPOOL_DIR, bad), `{"format":"something-else"}\n${JSON.stringify({ at: '2026-12-01T10:00:00.000Z', kind: 'session', account: ROOT, principal: 'p', action: 'a', resource: 'r', detail: {} })}\n`);
    const logs: string[] = [];
    const second = createAudit({ store, now: () => Date.now(), log: (l) => void logs.push(l), journal: fileAuditJournal(dir, { instance: 'pod-b/2' }) }, { flushMs: 5 });
    second.start();
    assert.ok(await second.flush());
    assert.ok(logs.some((l) => l.includes('CANNOT READ the journal') && l.includes(bad) && l.includes('line 1')), logs.join('\n'));
    assert.deepEqual(await journalFiles(dir), [bad]);
    assert.equal((await chain(real)).length, 2, 'nothing of it appended');
    await second.stop();
    await real.close();
  });
});

describe('audit journal end to end: gatehouse server killed with SIGKILL', () => {
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' }] });
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

  const serve = (dataDir: string, env: Record<string, string> = {}) =>
    serverProcess(['--data-dir', dataDir, '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', 'off'], { HOME: dataDir, ...env });
  const kill9 = async (child: ChildProcess): Promise<void> => {
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  };
  const stopped = async (child: ChildProcess): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await gone;
  };

  for (const writes of ['refused', 'working'] as const) {
    it(`audit writes ${writes}: every change and session made before the kill is in the chain once after the restart`, { timeout: 120_000 }, async () => {
      const dataDir = await mkdtemp(join(tmpdir(), `gh-audit-journal-e2e-${writes}-`));
      dirs.push(dataDir);
      // Under `open`, changes and sessions go on while the audit log cannot be written; their records wait.
      const env = { GATEHOUSE_AUDIT_FAILURE: 'open' };
      const a = await serve(dataDir, env);
      try {
        const admin = JSON.parse(await readFile(join(dataDir, 'admin-credentials.json'), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
        const credentials = { accessKeyId: admin.AccessKeyId, secretAccessKey: admin.SecretAccessKey };
        const iam = new IAMClient({ endpoint: a.url, region: 'us-east-1', credentials });
        const sts = new STSClient({ endpoint: a.url, region: 'us-east-1', credentials });
        await iam.send(new CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: trust }));
        await new Promise((r) => setTimeout(r, 300));
        if (writes === 'refused') failAuditInserts(dataDir, true);
        const users = Array.from({ length: 20 }, (_, i) => `u${i}`);
        for (const u of users) await iam.send(new CreateUserCommand({ UserName: u }));
        for (let i = 0; i < 5; i++) await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/trainer`, RoleSessionName: `s${i}` }));
        await kill9(a.child);
        if (writes === 'refused') {
          assert.ok((await journalFiles(dataDir)).length > 0, 'the records that waited are journaled');
          failAuditInserts(dataDir, false);
        }

        // The restart in this process: it is only read (its data dir), and a process more costs a second of CPU.
        const b = await serverInProcess({ dataDir, env: { HOME: dataDir, ...env } });
        try {
          // The restarted server appends what the journal holds before anything else.
          // Read until the journal is emptied and its last record in, to a bound of time (settle.ts), not 50 tries.
          const { rows } = await settled(
            async () => ({ rows: await readAll(dataDir), journals: (await journalFiles(dataDir)).length }),
            (got) => got.journals === 0 && got.rows.some((r) => r.action === 'sts:AssumeRole' && r.session?.endsWith('/s4')),
          );
          for (const u of users) {
            const made = rows.filter((r) => r.action === 'iam:CreateUser' && r.resource === `arn:aws:iam::${ROOT}:user/${u}` && r.decision === 'ok');
            assert.equal(made.length, 1, `CreateUser ${u}: ${made.length} record(s)`);
          }
          for (let i = 0; i < 5; i++) {
            const issued = rows.filter((r) => r.kind === 'session' && r.action === 'sts:AssumeRole' && r.session === `arn:aws:sts::${ROOT}:assumed-role/trainer/s${i}`);
            assert.equal(issued.length, 1, `session s${i}: ${issued.length} record(s)`);
          }
          const recoveries = rows.filter((r) => r.action === RECOVER_ACTION);
          if (writes === 'refused') assert.ok(recoveries.length >= 1, 'the recovery is recorded');
          assert.deepEqual(await journalFiles(dataDir), []);
        } finally {
          await b.stop();
        }
      } finally {
        await stopped(a.child);
      }
    });
  }
});
