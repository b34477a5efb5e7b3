/**
 * The audit queue on its own, over a store that fails on demand (SQLite underneath): records stay queued while
 * writes fail, the failure is logged and counted, the closed policy refuses, the bound drops with a clear error,
 * and everything queued is written, in order and chained, once the store takes writes again.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { chainVerifier, type AuditEvent } from '../src/core/audit/index.ts';
import { createAudit } from '../src/app/audit.ts';
import type { Store } from '../src/app/ports/store.ts';
import { flakySqlite } from './support/flaky-store.ts';

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function flaky(): Promise<{ store: Store; real: Store; fail: (on: boolean) => void }> {
  const f = await flakySqlite('gh-audit-queue-');
  dirs.push(f.dir);
  return f;
}

const ev = (i: number): AuditEvent => ({ kind: 'decision', account: '000000000000', principal: 'arn:aws:iam::000000000000:user/u', action: 's3:GetObject', resource: `arn:aws:s3:::b/${i}`, decision: 'Allow', detail: { i } });

describe('audit queue', () => {
  it('keeps records while the store fails, refuses under the closed policy, drops past the bound loudly, and writes everything once it can', async () => {
    const { store, real, fail } = await flaky();
    const logs: string[] = [];
    const counted = { failed: 0, dropped: 0, written: 0 };
    const audit = createAudit(
      {
        store,
        now: () => Date.now(),
        log: (l) => void logs.push(l),
        metrics: { decision: () => {}, sessionIssued: () => {}, auditWritten: (n) => void (counted.written += n), auditWriteFailed: () => void counted.failed++, auditDropped: (n) => void (counted.dropped += n), auditSampledOut: () => {}, auditGateRefused: () => {} },
      },
      { maxBacklog: 50, batchSize: 20, flushMs: 10 },
    );
    for (let i = 0; i < 10; i++) audit.record(ev(i));
    assert.ok(await audit.flush());
    assert.equal(audit.gate('sessions are not issued'), undefined);

    fail(true);
    for (let i = 10; i < 40; i++) audit.record(ev(i));
    assert.equal(await audit.flush(), false);
    const s = audit.status();
    assert.deepEqual([s.healthy, s.backlog, s.written], [false, 30, 10]);
    assert.match(s.lastError ?? '', /disk I\/O error/);
    assert.ok(counted.failed >= 1);
    assert.ok(logs.some((l) => /^audit: cannot write 30 queued record\(s\): SQLite is unavailable: disk I\/O error; they stay queued and are retried; session issuance and directory changes are refused meanwhile/.test(l)), logs.join('\n'));
    const refused = audit.gate('sessions are not issued');
    assert.ok(refused && !refused.ok);
    assert.equal(refused.errors[0]?.code, 'SERVICE_UNAVAILABLE');
    // The caller is told what is refused, not why (the cause may name the database): that goes to the log.
    assert.equal(refused.errors[0]?.message, 'the audit log cannot be written at the moment; sessions are not issued until it can: retry later');

    // The bound: 50 queued at most; beyond it, records are dropped, counted and said.
    for (let i = 40; i < 70; i++) audit.record(ev(i));
    assert.equal(audit.status().backlog, 50);
    assert.equal(audit.status().dropped, 10);
    assert.equal(counted.dropped, 10);
    assert.ok(logs.some((l) => l.startsWith('audit: backlog full (50 records not yet written: SQLite is unavailable: disk I/O error); dropping decision records')), logs.join('\n'));

    fail(false);
    // The flusher retries by itself (backoff), no call needed.
    const end = Date.now() + 10_000;
    while (audit.status().backlog > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    assert.equal(audit.status().backlog, 0);
    assert.equal(audit.status().healthy, true);
    assert.equal(audit.gate('sessions are not issued'), undefined);
    assert.ok(logs.some((l) => l.startsWith('audit: writing again after')));
    await audit.stop();

    const head = await real.read((tx) => tx.audit.head());
    const rows = await real.read((tx) => tx.audit.list({}, 0, 1000));
    // The 60 kept, in order, then the record of the 10 dropped (review jz, 4).
    assert.equal(head.seq, 61);
    assert.deepEqual(rows.slice(0, 60).map((r) => r.detail['i']), Array.from({ length: 60 }, (_, i) => i), 'queued records kept their order');
    assert.deepEqual([rows[60]?.action, rows[60]?.detail['dropped']], ['gatehouse:AuditRecordsDropped', 10]);
    const v = chainVerifier(head, sha256);
    assert.equal(v.check(rows) ?? v.end(head), undefined);
    assert.equal(counted.written, 61);
    await real.close();
  });

  it('the open policy never refuses; a disabled audit records nothing', async () => {
    const { store, real, fail } = await flaky();
    const open = createAudit({ store, now: () => Date.now() }, { failure: 'open', flushMs: 10 });
    fail(true);
    open.record(ev(1));
    assert.equal(await open.flush(), false);
    assert.equal(open.gate('sessions are not issued'), undefined);
    const off = createAudit({ store, now: () => Date.now() }, { enabled: false });
    off.record(ev(1));
    assert.equal(off.status().backlog, 0);
    fail(false);
    await open.stop();
    assert.equal((await real.read((tx) => tx.audit.head())).seq, 1);
    await real.close();
  });

  it('samples each allow at random (periodic traffic is not aliased), marks the sampled ones with the rate, counts those left out, and records every denial', async () => {
    const { store, real } = await flaky();
    let sampledOut = 0;
    const metrics = { decision: () => {}, sessionIssued: () => {}, auditWritten: () => {}, auditWriteFailed: () => {}, auditDropped: () => {}, auditSampledOut: () => void sampledOut++, auditGateRefused: () => {} };
    const audit = createAudit({ store, now: () => Date.now(), metrics }, { allowSample: 0.5, flushMs: 10 });
    // One loader alternating List and Get (review D #3): a shared accumulator recorded every List and no Get.
    for (let i = 0; i < 2000; i++) audit.decision({ account: '', principal: 'p', action: i % 2 === 0 ? 's3:GetObject' : 's3:ListBucket', resource: `r${i}`, decision: 'Allow' });
    for (let i = 0; i < 50; i++) audit.decision({ account: '', principal: 'p', action: 's3:GetObject', resource: `d${i}`, decision: 'ImplicitDeny' });
    assert.ok(await audit.flush());
    const rows = await real.read((tx) => tx.audit.list({}, 0, 1000).then(async (a) => [...a, ...(await tx.audit.list({}, a.at(-1)?.seq ?? 0, 1000))]));
    const allows = rows.filter((r) => r.decision === 'Allow');
    const per = (action: string): number => allows.filter((r) => r.action === action).length;
    // 1,000 each at 0.5: 500 ± 16 (one standard deviation); outside 400–600 is a 6-sigma event.
    for (const action of ['s3:GetObject', 's3:ListBucket']) assert.ok(per(action) > 400 && per(action) < 600, `${action}: ${per(action)} of 1000 recorded`);
    assert.ok(allows.every((r) => r.detail['sampleRate'] === 0.5), 'each sampled allow carries the rate');
    const denials = rows.filter((r) => r.decision === 'ImplicitDeny');
    assert.equal(denials.length, 50, 'every denial');
    assert.ok(denials.every((r) => r.detail['sampleRate'] === undefined));
    assert.equal(audit.status().sampledOut, 2000 - allows.length);
    assert.equal(sampledOut, 2000 - allows.length);
    assert.equal(audit.status().allowSample, 0.5);
    await audit.stop();
    await real.close();
  });

  it('draws from the randomness it is given: at 0 no allow is recorded, at 1 every allow without a rate', async () => {
    const { store, real } = await flaky();
    let draws = 0;
    const none = createAudit({ store, now: () => Date.now(), randomBytes: (n) => (draws++, new Uint8Array(n)) }, { allowSample: 0, flushMs: 10 });
    for (let i = 0; i < 10; i++) none.decision({ account: '', principal: 'p', action: 'a:B', resource: `r${i}`, decision: 'Allow' });
    assert.equal(none.status().backlog, 0);
    assert.equal(none.status().sampledOut, 10);
    // All-zero bytes draw 0, which is below any positive rate: every allow is kept at 0.01, from the app's source.
    const tiny = createAudit({ store, now: () => Date.now(), randomBytes: (n) => (draws++, new Uint8Array(n)) }, { allowSample: 0.01, flushMs: 10 });
    for (let i = 0; i < 10; i++) tiny.decision({ account: '', principal: 'p', action: 'a:B', resource: `r${i}`, decision: 'Allow' });
    assert.equal(tiny.status().backlog, 10);
    assert.ok(draws >= 1);
    const all = createAudit({ store, now: () => Date.now() }, { flushMs: 10 });
    all.decision({ account: '', principal: 'p', action: 'a:B', resource: 'r', decision: 'Allow' });
    assert.ok(await all.flush());
    assert.ok(await tiny.flush());
    const rows = await real.read((tx) => tx.audit.list({}, 0, 100));
    assert.equal(rows.filter((r) => r.detail['sampleRate'] === undefined).length, 1);
    assert.equal(rows.filter((r) => r.detail['sampleRate'] === 0.01).length, 10);
    for (const a of [none, tiny, all]) await a.stop();
    await real.close();
  });
});
