/**
 * Review nz, 3: records lost at stop (neither written nor spooled) are noted in the chain after the restart.
 *
 * Contract: issue 7 — writing audit records "never drops one silently"; README §7 — records dropped for a full backlog
 * are noted in the chain by a `gatehouse:AuditRecordsDropped` record (review jz4), and at a stop what cannot be written
 * is spooled, "records that can be neither written nor spooled are counted … and logged"; the sessions, changes and
 * job records among them stay in the journal for the next start.
 *
 * What was wrong: when the spool could not be written at stop (a disk too full for the spool of the whole backlog), the
 * decisions' records queued were counted in a metric that the stop ends and logged, and the next start appended the
 * journaled sessions from that outage with nothing to say that decisions of the same time were lost: a reader of the
 * chain saw an outage with no denials in it. Now the stop writes the note of what it lost to the journal (a line, where
 * the spool's file did not fit), which the next start appends with the journaled records.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import type { AuditEvent, AuditRecord } from '../src/core/audit/index.ts';
import { createAudit, DROPPED_ACTION, type AuditSpool } from '../src/app/audit.ts';
import { fileAuditSpool } from '../src/adapters/audit-spool/index.ts';
import { fileAuditJournal } from '../src/adapters/audit-spool/journal.ts';
import { flakySqlite, sessionEvent, verifiedChain } from './support/flaky-store.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const decision = (i: number): AuditEvent => ({ kind: 'decision', account: '000000000000', principal: 'arn:aws:iam::000000000000:user/u', action: 's3:GetObject', resource: `arn:aws:s3:::b/${i}`, decision: 'ImplicitDeny', detail: { i } });

describe('review nz3: decisions lost at a stop that could not spool them are noted in the chain', () => {
  it('the journal keeps the note, and the next start appends it with the journaled session', async () => {
    const f = await flakySqlite('gh-audit-nz3-');
    dirs.push(f.dir);
    let t = Date.parse('2026-03-01T10:00:00.000Z');
    const full: AuditSpool = { ...fileAuditSpool(f.dir, { instance: 'pod-a/1' }), save: () => Promise.reject(new Error('ENOSPC: no space left on device, write')) };
    const logs: string[] = [];
    const first = createAudit({ store: f.store, now: () => t, log: (l) => void logs.push(l), spool: full, journal: fileAuditJournal(f.dir, { instance: 'pod-a/1' }) }, { flushMs: 10, drainMs: 200, failure: 'open' });
    first.start();
    first.record(decision(0));
    assert.ok(await first.flush());
    f.fail(true);
    for (let i = 1; i <= 3; i++) {
      t += 1000;
      first.record(decision(i));
    }
    t += 1000;
    first.record(sessionEvent(4));
    assert.equal(await first.flush(), false);
    assert.equal(await first.stop(), 4, 'the stop lost what it queued');
    assert.ok(logs.some((l) => l.includes('LOST 4 AUDIT RECORD(S)')), logs.join('\n'));

    f.fail(false);
    t += 60_000;
    const second = createAudit({ store: f.store, now: () => t, log: () => {}, spool: fileAuditSpool(f.dir, { instance: 'pod-b/2' }), journal: fileAuditJournal(f.dir, { instance: 'pod-b/2' }) }, { flushMs: 10 });
    second.start();
    assert.ok(await second.flush());
    await second.stop();
    const rows: readonly AuditRecord[] = await verifiedChain(f.real);
    assert.deepEqual(rows.filter((r) => r.kind === 'session').map((r) => r.session), ['arn:aws:sts::000000000000:assumed-role/r/s4'], 'the journaled session is recovered');
    const notes = rows.filter((r) => r.action === DROPPED_ACTION);
    assert.equal(notes.length, 1, `one note of what the stop lost: ${JSON.stringify(rows.map((r) => [r.action, r.detail]))}`);
    const note = notes[0] as AuditRecord;
    assert.equal(note.detail['dropped'], 3, 'the decisions, not the journaled session');
    assert.deepEqual(note.detail['kinds'], { decision: 3 });
    assert.equal(note.detail['firstAt'], '2026-03-01T10:00:01.000Z');
    assert.equal(note.detail['lastAt'], '2026-03-01T10:00:03.000Z');
    assert.match(String(note.detail['reason']), /stop/);
    await f.real.close();
  });
});
