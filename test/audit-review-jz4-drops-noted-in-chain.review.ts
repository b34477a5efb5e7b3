/**
 * Review jz, 4 (medium): decision records dropped because the backlog was full (the store unreachable or not keeping
 * up, `maxBacklog` records waiting) were counted (`gatehouse_audit_dropped_total`) and logged every 10 s, and nothing
 * of them reached the audit log: an auditor reading the denials of an outage's hour got the records kept and no sign
 * that others had been refused a place, while a refused authentication's flood limit carries its count into the next
 * record (`suppressed`) and a sampled allow its rate. Now, once a batch is written again, the queue appends a
 * `gatehouse:AuditRecordsDropped` record: how many were dropped, of which kinds, the first and last one's time. Records
 * journaled before they were dropped (sessions, changes, jobs) are not counted there: the next start appends them.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import type { AuditEvent, AuditRecord } from '../src/core/audit/index.ts';
import { createAudit } from '../src/app/audit.ts';
import { flakySqlite } from './support/flaky-store.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const ev = (i: number): AuditEvent => ({ kind: 'decision', account: '000000000000', principal: 'arn:aws:iam::000000000000:user/u', action: 's3:GetObject', resource: `arn:aws:s3:::b/${i}`, decision: 'ImplicitDeny', detail: { i } });

describe('review jz4: records dropped for a full backlog are noted in the audit log', () => {
  it('once writing resumes, one record says how many were dropped, of which kinds, and when', async () => {
    const f = await flakySqlite('gh-audit-jz4-');
    dirs.push(f.dir);
    let t = Date.parse('2026-03-01T10:00:00.000Z');
    const audit = createAudit({ store: f.store, now: () => t, log: () => {} }, { maxBacklog: 20, batchSize: 10, flushMs: 10, failure: 'open' });
    for (let i = 0; i < 5; i++) audit.record(ev(i));
    assert.ok(await audit.flush());
    f.fail(true);
    for (let i = 5; i < 40; i++) {
      t += 1000;
      audit.record(ev(i));
    }
    assert.equal(await audit.flush(), false);
    assert.equal(audit.status().dropped, 15);
    f.fail(false);
    assert.ok(await audit.flush());
    assert.ok(await audit.flush());
    await audit.stop();
    const rows: readonly AuditRecord[] = await f.real.read((tx) => tx.audit.list({}, 0, 1000));
    assert.deepEqual(rows.filter((r) => r.detail['i'] !== undefined).map((r) => r.detail['i']), Array.from({ length: 25 }, (_, i) => i));
    const notes = rows.filter((r) => r.action === 'gatehouse:AuditRecordsDropped');
    assert.equal(notes.length, 1, JSON.stringify(rows.slice(-3)));
    const note = notes[0] as AuditRecord;
    assert.deepEqual([note.kind, note.account, note.principal, note.resource], ['change', '', 'gatehouse', 'audit']);
    assert.equal(note.detail['dropped'], 15);
    assert.deepEqual(note.detail['kinds'], { decision: 15 });
    assert.equal(note.detail['firstAt'], '2026-03-01T10:00:21.000Z');
    assert.equal(note.detail['lastAt'], '2026-03-01T10:00:35.000Z');
    assert.match(String(note.detail['reason']), /backlog/);
    await f.real.close();
  });
});
