/**
 * The closed audit policy refuses issuance as soon as the audit log is not known to be writable, not only once a
 * write has failed: at the start of an outage, a record that would only sit in memory means a session with no
 * record if the instance died. Refused while queued records have waited past `maxUnwrittenMs` with nothing written
 * for as long (a writer behind but committing is writable), or while the instance knows its store to be unreachable; the caller gets a generic message, the operator's log the cause.
 * And `GET /v1/audit`'s cursor: a decimal whole number within the safe range, or a 400.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAudit } from '../src/app/audit.ts';
import type { Caller } from '../src/app/index.ts';
import type { Store } from '../src/app/ports/store.ts';
import type { AuditEvent } from '../src/core/audit/index.ts';
import { compilePolicy, parsePolicy, principalFromArn } from '../src/core/iam/index.ts';

const ev: AuditEvent = { kind: 'session', account: '000000000000', principal: 'arn:aws:iam::000000000000:user/u', action: 'sts:AssumeRole', resource: 'arn:aws:iam::000000000000:role/r', decision: 'Allow', detail: {} };
const CAUSE = 'PostgreSQL is unavailable: connect ECONNREFUSED 127.0.0.1:19480';

function harness(o: { reachable?: () => boolean; append?: () => Promise<void>; failure?: 'open' | 'closed' } = {}) {
  let t = 1_000_000;
  const logs: string[] = [];
  const lists: number[] = [];
  const store = { read: async (fn: (tx: unknown) => Promise<unknown>) => fn({ audit: { list: async (_f: unknown, after: number) => (lists.push(after), []), page: async (_f: unknown, after: number) => (lists.push(after), { records: [] }), head: async () => ({ seq: Number.MAX_SAFE_INTEGER, hash: '', baseSeq: 0, baseHash: '' }) } }) } as unknown as Store;
  const audit = createAudit(
    {
      store,
      now: () => t,
      log: (l) => void logs.push(l),
      appender: { append: o.append ?? (() => new Promise<void>(() => {})) },
      ...(o.reachable ? { storeReachable: o.reachable } : {}),
    },
    { flushMs: 5, ...(o.failure ? { failure: o.failure } : {}) },
  );
  return { audit, logs, lists, advance: (ms: number) => void (t += ms) };
}

describe('the closed audit gate', () => {
  it('refuses once the oldest queued record has waited past 2 s, though no write has failed (a store that hangs)', async () => {
    const h = harness();
    h.audit.record(ev);
    await new Promise((r) => setTimeout(r, 20));
    h.advance(1_900);
    assert.equal(h.audit.gate('sessions are not issued'), undefined);
    assert.equal(h.audit.status().healthy, true);
    h.advance(200);
    const refused = h.audit.gate('sessions are not issued');
    assert.equal(refused?.ok, false);
    assert.equal(refused?.ok === false && refused.errors[0]?.code, 'SERVICE_UNAVAILABLE');
    assert.equal(h.audit.status().healthy, false);
    assert.equal(h.audit.status().failures, 0);
    assert.ok(h.logs.some((l) => /^audit: the audit log is not known to be writable \(the oldest of 1 queued record\(s\) has waited 2100 ms to be written, and nothing has been written for \d+ ms\)/.test(l)), h.logs.join('\n'));
  });

  it('stays open for a writer that is behind but committing: a backlog is no outage (a burst of sessions)', async () => {
    // Each batch commits, and takes 1.5 s of the clock: 10,000 records queued at once wait longer than 2 s.
    let h: ReturnType<typeof harness> | undefined;
    h = harness({ append: async () => void h?.advance(1_500) });
    for (let i = 0; i < 10_000; i++) h.audit.record(ev);
    while (h.audit.status().written < 4_000) await new Promise((r) => setImmediate(r));
    const s = h.audit.status();
    assert.ok(s.backlog > 0 && s.oldestUnwrittenSeconds >= 3, `records wait past 2 s: ${JSON.stringify(s)}`);
    assert.equal(s.healthy, true, 'writable: it commits');
    assert.equal(h.audit.gate('sessions are not issued'), undefined);
  });

  it('refuses while the store is known to be unreachable, with nothing queued; says so once, and once when it opens again', () => {
    let reachable = false;
    const h = harness({ reachable: () => reachable });
    assert.equal(h.audit.status().backlog, 0);
    assert.equal(h.audit.gate('sessions are not issued')?.ok, false);
    assert.equal(h.audit.gate('sessions are not issued')?.ok, false);
    assert.equal(h.audit.status().healthy, false);
    reachable = true;
    assert.equal(h.audit.gate('sessions are not issued'), undefined);
    assert.deepEqual(h.logs, [
      'audit: the audit log is not known to be writable (the store cannot be reached); session issuance and directory changes are refused until it is (GATEHOUSE_AUDIT_FAILURE=closed)',
      'audit: the audit log is writable again; session issuance and directory changes resume',
    ]);
  });

  it('tells the caller what is refused, never the cause (the database address goes to the log only)', async () => {
    const h = harness({ append: () => Promise.reject(new Error(CAUSE)) });
    h.audit.record(ev);
    assert.equal(await h.audit.flush(), false);
    const refused = h.audit.gate('sessions are not issued');
    assert.ok(refused && !refused.ok);
    assert.equal(refused.errors[0]?.message, 'the audit log cannot be written at the moment; sessions are not issued until it can: retry later');
    assert.ok(h.logs.some((l) => l.includes(CAUSE)), h.logs.join('\n'));
  });

  it('the open policy refuses nothing', () => {
    const h = harness({ reachable: () => false, failure: 'open' });
    assert.equal(h.audit.gate('sessions are not issued'), undefined);
  });
});

describe('GET /v1/audit: the `after` cursor', () => {
  const allowAll = parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }), { kind: 'identity' });
  assert.ok(allowAll.ok);
  const principal = principalFromArn('arn:aws:iam::000000000000:user/admin');
  assert.ok(principal.ok);
  const caller: Caller = { principal: principal.value, partition: 'aws', account: '000000000000', user: undefined, policies: { identity: [compilePolicy(allowAll.value, 'all')] }, accessKeyId: 'AKIA' };

  it('takes a decimal whole number (as text or number) within the safe range', async () => {
    const h = harness();
    for (const after of ['0', '1000', '9007199254740991', 42]) assert.equal((await h.audit.query(caller, {}, after)).ok, true, String(after));
    assert.deepEqual(h.lists, [0, 1000, 9007199254740991, 42]);
  });

  it('refuses anything else with a validation error, before the store is asked', async () => {
    const h = harness();
    for (const after of ['99999999999999999999', 99999999999999999999, '9007199254740992', '1e3', '-1', -1, '0x10', '1.5', 1.5, '', ' 1', 'abc', Number.NaN]) {
      const r = await h.audit.query(caller, {}, after);
      assert.equal(r.ok === false && r.errors[0]?.code, 'VALIDATION_ERROR', String(after));
      assert.equal(r.ok === false && r.errors[0]?.path, 'after');
    }
    assert.deepEqual(h.lists, []);
  });
});
