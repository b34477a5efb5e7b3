/**
 * Review nz, 1: records dropped for a full backlog during an outage that lasts until the server stops.
 *
 * Contract: issue 7 — writing audit records "never drops one silently"; README §7 — past the backlog bound decisions'
 * records are dropped, counted, "and once writing resumes a `gatehouse:AuditRecordsDropped` record says how many, of
 * which kinds, and between which times" (review jz4); a server stopped meanwhile spools what is left and the next start
 * appends it.
 *
 * What was wrong: the note of the drops was queued only after a batch was written again. When the store stayed out
 * until the stop, the stop spooled the queued records and the next start appended them, but nothing of the drops: the
 * chain of the outage held the records kept and no sign that others had been refused a place (the count lived only in
 * the stopped process's metric and log). Now the stop queues the note before it spools, so it is spooled (and
 * appended at the next start) or written with the rest.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import type { AuditEvent, AuditRecord } from '../src/core/audit/index.ts';
import { createAudit, DROPPED_ACTION } from '../src/app/audit.ts';
import { fileAuditSpool } from '../src/adapters/audit-spool/index.ts';
import { flakySqlite, verifiedChain } from './support/flaky-store.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const ev = (i: number): AuditEvent => ({ kind: 'decision', account: '000000000000', principal: 'arn:aws:iam::000000000000:user/u', action: 's3:GetObject', resource: `arn:aws:s3:::b/${i}`, decision: 'ImplicitDeny', detail: { i } });

describe('review nz1: drops of an outage that lasts until the stop are noted in the chain after the restart', () => {
  it('the spool carries the note, and the next start appends it with the records kept', async () => {
    const f = await flakySqlite('gh-audit-nz1-');
    dirs.push(f.dir);
    let t = Date.parse('2026-03-01T10:00:00.000Z');
    const first = createAudit({ store: f.store, now: () => t, log: () => {}, spool: fileAuditSpool(f.dir, { instance: 'pod-a/1' }) }, { maxBacklog: 20, batchSize: 10, flushMs: 10, drainMs: 200, failure: 'open' });
    first.start();
    for (let i = 0; i < 5; i++) first.record(ev(i));
    assert.ok(await first.flush());
    f.fail(true);
    for (let i = 5; i < 40; i++) {
      t += 1000;
      first.record(ev(i));
    }
    assert.equal(await first.flush(), false);
    assert.equal(first.status().dropped, 15);
    // The store is still out at the stop: what is queued goes to the spool.
    await first.stop();
    assert.equal(first.status().backlog, 0);

    f.fail(false);
    t += 60_000;
    const second = createAudit({ store: f.store, now: () => t, log: () => {}, spool: fileAuditSpool(f.dir, { instance: 'pod-b/2' }) }, { flushMs: 10 });
    second.start();
    assert.ok(await second.flush());
    await second.stop();
    const rows: readonly AuditRecord[] = await verifiedChain(f.real);
    assert.deepEqual(rows.filter((r) => r.detail['i'] !== undefined).map((r) => r.detail['i']), Array.from({ length: 25 }, (_, i) => i), 'the records kept, once each');
    const notes = rows.filter((r) => r.action === DROPPED_ACTION);
    assert.equal(notes.length, 1, `one note of the drops: ${JSON.stringify(rows.slice(-3).map((r) => [r.action, r.detail]))}`);
    const note = notes[0] as AuditRecord;
    assert.equal(note.detail['dropped'], 15);
    assert.deepEqual(note.detail['kinds'], { decision: 15 });
    assert.equal(note.detail['firstAt'], '2026-03-01T10:00:21.000Z');
    assert.equal(note.detail['lastAt'], '2026-03-01T10:00:35.000Z');
    await f.real.close();
  });
});
