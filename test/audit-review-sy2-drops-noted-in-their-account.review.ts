/**
 * Review sy, 2: records dropped for a full backlog (the store out, `maxBacklog` waiting) are noted in the chain by a
 * `gatehouse:AuditRecordsDropped` record (review jz, 4) — of no account (`account: ''`), which only the root account's
 * readers see: a principal of any other account reads its own account's records alone (GET /v1/audit scopes the query
 * to `account = <its account>`, src/app/audit.ts `query`). So an account whose denials were dropped during an outage
 * read a log with a gap in it and nothing saying so, where issue 7 promises an audit log that "never drops a record
 * silently", and where its other notes are put where the account's readers find them (an account's creation in that
 * account's log, review ro, 4; a flood summary in the asker's, review kp, 4). The same for the note a stop journals of
 * the decisions it loses (review nz, 3).
 *
 * Now each account other than the root account whose records were dropped also gets a note of its own, in its log:
 * how many of its records, of which kinds, between which times, beside the deployment-wide one (which names the
 * accounts' counts). The root account reads the deployment-wide note as before.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import type { AuditEvent, AuditRecord } from '../src/core/audit/index.ts';
import { createAudit, DROPPED_ACTION, type AuditSpool } from '../src/app/audit.ts';
import { fileAuditSpool } from '../src/adapters/audit-spool/index.ts';
import { fileAuditJournal } from '../src/adapters/audit-spool/journal.ts';
import { flakySqlite, verifiedChain } from './support/flaky-store.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const A = '111111111111';
const B = '222222222222';
const ROOT = '000000000000';
const ev = (account: string, i: number): AuditEvent => ({ kind: 'decision', account, principal: `arn:aws:iam::${account}:user/u`, action: 's3:GetObject', resource: `arn:aws:s3:::b/${i}`, decision: 'ImplicitDeny', detail: { i } });

describe('review sy2: records dropped are noted where their account reads its log', () => {
  it('a full backlog: each account whose records were dropped has a note of its own', async () => {
    const f = await flakySqlite('gh-audit-sy2-');
    dirs.push(f.dir);
    let t = Date.parse('2026-03-01T10:00:00.000Z');
    const audit = createAudit({ store: f.store, now: () => t, log: () => {} }, { maxBacklog: 10, batchSize: 10, flushMs: 10, failure: 'open' });
    f.fail(true);
    // 10 fill the backlog; then 4 of A, 2 of B and 3 of the root account are dropped.
    for (let i = 0; i < 10; i++) audit.record(ev(ROOT, i));
    const dropped = [A, B, A, ROOT, A, B, ROOT, A, ROOT];
    for (const [n, account] of dropped.entries()) {
      t += 1000;
      audit.record(ev(account, 100 + n));
    }
    assert.equal(await audit.flush(), false);
    assert.equal(audit.status().dropped, 9);
    f.fail(false);
    assert.ok(await audit.flush());
    assert.ok(await audit.flush());
    await audit.stop();
    const rows: readonly AuditRecord[] = await f.real.read((tx) => tx.audit.list({}, 0, 1000));
    const notes = rows.filter((r) => r.action === 'gatehouse:AuditRecordsDropped');
    // The deployment-wide note, as before.
    const all = notes.find((r) => r.account === '');
    assert.ok(all !== undefined, JSON.stringify(notes));
    assert.equal(all.detail['dropped'], 9);
    // What each account's readers see: their account's records (the filter GET /v1/audit scopes them to).
    const own = async (account: string): Promise<AuditRecord[]> => (await f.real.read((tx) => tx.audit.list({ account }, 0, 1000))).filter((r) => r.action === 'gatehouse:AuditRecordsDropped');
    const a = await own(A);
    assert.equal(a.length, 1, `account ${A} reads no note of its 4 dropped records: ${JSON.stringify(notes)}`);
    assert.deepEqual([a[0]?.kind, a[0]?.principal, a[0]?.resource, a[0]?.detail['dropped']], ['change', 'gatehouse', 'audit', 4]);
    assert.deepEqual(a[0]?.detail['kinds'], { decision: 4 });
    assert.equal(a[0]?.detail['firstAt'], '2026-03-01T10:00:01.000Z');
    assert.equal(a[0]?.detail['lastAt'], '2026-03-01T10:00:08.000Z');
    const b = await own(B);
    assert.deepEqual(b.map((r) => r.detail['dropped']), [2]);
    // The root account's readers read the deployment-wide note: no second one of their own.
    assert.deepEqual(await own(ROOT), []);
    await f.real.close();
  });

  it('a stop that loses queued decisions journals a note for each account too (review nz, 3)', async () => {
    const f = await flakySqlite('gh-audit-sy2s-');
    dirs.push(f.dir);
    let t = Date.parse('2026-03-01T10:00:00.000Z');
    const full: AuditSpool = { ...fileAuditSpool(f.dir, { instance: 'pod-a/1' }), save: () => Promise.reject(new Error('ENOSPC: no space left on device, write')) };
    const first = createAudit({ store: f.store, now: () => t, log: () => {}, spool: full, journal: fileAuditJournal(f.dir, { instance: 'pod-a/1' }) }, { flushMs: 10, drainMs: 200, failure: 'open' });
    first.start();
    f.fail(true);
    for (const [i, account] of [A, ROOT, A].entries()) {
      t += 1000;
      first.record(ev(account, i));
    }
    assert.equal(await first.flush(), false);
    assert.equal(await first.stop(), 3, 'the stop lost what it queued');
    f.fail(false);
    t += 60_000;
    const second = createAudit({ store: f.store, now: () => t, log: () => {}, spool: fileAuditSpool(f.dir, { instance: 'pod-b/2' }), journal: fileAuditJournal(f.dir, { instance: 'pod-b/2' }) }, { flushMs: 10 });
    second.start();
    assert.ok(await second.flush());
    await second.stop();
    const rows: readonly AuditRecord[] = await verifiedChain(f.real);
    assert.deepEqual(rows.filter((r) => r.action === DROPPED_ACTION && r.account === '').map((r) => r.detail['dropped']), [3], 'the deployment-wide note, as before');
    const a = (await f.real.read((tx) => tx.audit.list({ account: A }, 0, 1000))).filter((r) => r.action === DROPPED_ACTION);
    assert.deepEqual(a.map((r) => [r.detail['dropped'], r.detail['firstAt'], r.detail['lastAt']]), [[2, '2026-03-01T10:00:01.000Z', '2026-03-01T10:00:03.000Z']], `account ${A} reads no note of its 2 lost decisions: ${JSON.stringify(rows.map((r) => [r.account, r.action, r.detail]))}`);
    await f.real.close();
  });
});
