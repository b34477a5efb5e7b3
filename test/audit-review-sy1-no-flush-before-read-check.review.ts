/**
 * Review sy, 1: `GET /v1/audit` and `GET /v1/audit/verify` wrote the audit queue (`app.audit.flush()`: every record
 * queued, in a write transaction of its own, now) before deciding whether the caller may read the audit log at all.
 * So any principal with a key, of any account and without `gatehouse:ReadAudit` (or, for verify, outside the root
 * account), forced a write of the queue with each refused request: the records' batching ("batched, off the hot
 * path", issue 7; flushMs, batchSize) was defeated at the rate that principal could send requests, and while the
 * writer was backing off a failing store each refused request made it try again and waited for that attempt before
 * its own 403. The flush is there so that a reader's query sees what was done just before it (review sa, 2): only a
 * caller allowed to read the log needs it. Now the permission is decided first; a refused caller writes nothing, an
 * allowed one still reads its own writes.
 *
 * Real server (SQLite, in process) with a flush interval long enough that only a forced flush writes the queue.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

describe('review sy1: the audit API writes the queue only for a caller that may read the log', () => {
  let s: TestServer;
  let nobody: Credentials;
  before(async () => {
    // Nothing is written by the timer during the test: a batch is written when 500 wait, or when something flushes.
    s = await startTestServer({ audit: { flushMs: 600_000, maxUnwrittenMs: 600_000 } });
    nobody = await userWithKey(s, 'sy1-nobody');
    await s.running.app.audit.flush();
  });
  after(async () => {
    await s.stop();
  });

  /** Queues a record (an allowed decision of the admin), then says what is written and what waits. */
  const queueOne = async (): Promise<{ written: number; backlog: number }> => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { action: 's3:GetObject', resource: 'arn:aws:s3:::sy1/k' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const st = s.running.app.audit.status();
    assert.ok(st.backlog >= 1, `a record waits: ${JSON.stringify(st)}`);
    return { written: st.written, backlog: st.backlog };
  };

  it('a query refused for want of gatehouse:ReadAudit writes nothing', async () => {
    const was = await queueOne();
    const r = await gatehouseJson(s.url, nobody, 'GET', '/v1/audit');
    assert.equal(r.status, 403, JSON.stringify(r.json));
    const now = s.running.app.audit.status();
    assert.equal(now.written, was.written, `the refused query wrote the queue: ${JSON.stringify(now)}`);
    assert.ok(now.backlog >= was.backlog, JSON.stringify(now));
  });

  it('a verify refused (not the root account\'s, no permission) writes nothing', async () => {
    const was = await queueOne();
    const r = await gatehouseJson(s.url, nobody, 'GET', '/v1/audit/verify');
    assert.equal(r.status, 403, JSON.stringify(r.json));
    const now = s.running.app.audit.status();
    assert.equal(now.written, was.written, `the refused verify wrote the queue: ${JSON.stringify(now)}`);
  });

  it('a reader still finds what was done just before its query (review sa, 2)', async () => {
    await queueOne();
    const r = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit?action=s3:GetObject&limit=1000');
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const records = r.json['records'] as AuditRecord[];
    assert.ok(records.some((x) => x.resource === 'arn:aws:s3:::sy1/k' && x.decision === 'Allow'), JSON.stringify(records.map((x) => x.resource)));
    const v = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit/verify');
    assert.equal(v.status, 200, JSON.stringify(v.json));
    assert.equal(v.json['ok'], true, JSON.stringify(v.json));
    assert.equal(s.running.app.audit.status().backlog, 0);
  });
});
