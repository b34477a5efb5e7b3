/**
 * Review fi, 5: a time bound finer than a millisecond was cut to its millisecond, which moved it earlier. Records are
 * stamped to the millisecond; `GET /v1/audit?until=…T12:00:00.000512Z` (a Kubernetes audit event's time, in
 * microseconds, or Go's RFC3339Nano) was read as `until=…T12:00:00.000Z`, so the record stamped 12:00:00.000, which
 * came before the time given, was left out: "what happened up to this event" missed the record of its own millisecond.
 * `since` the same time took that record in, though it came before the bound. Now a finer fraction is rounded up to
 * the next millisecond (a record at or after 12:00:00.000512 is one at or after 12:00:00.001): `until` keeps the
 * record, `since` leaves it out, and the bound the page answers says so. A fraction of whole milliseconds reads as
 * before; at the very end of the year 9999 the bound stays within range. Real server (SQLite), the admin API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { auditTimeOf } from '../src/app/audit-time.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

describe('review fi5: sub-millisecond time bounds round up to the next millisecond', () => {
  let s: TestServer;
  let last: AuditRecord;
  before(async () => {
    s = await startTestServer();
    await s.running.app.audit.flush();
    const r = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit');
    last = (r.json['records'] as AuditRecord[]).at(-1) as AuditRecord;
    assert.match(last.at, /\.\d{3}Z$/);
  });
  after(async () => {
    await s.stop();
  });

  const query = async (bound: string): Promise<{ seqs: number[]; body: Record<string, unknown> }> => {
    const r = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?${bound}`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return { seqs: (r.json['records'] as AuditRecord[]).map((x) => x.seq), body: r.json };
  };

  it('until a microsecond after a record keeps it; since that time leaves it out', async () => {
    const micro = last.at.replace(/Z$/, '512Z');
    const until = await query(`until=${encodeURIComponent(micro)}`);
    assert.ok(until.seqs.includes(last.seq), `until ${micro}: ${JSON.stringify(until.body)}`);
    const since = await query(`since=${encodeURIComponent(micro)}`);
    assert.ok(!since.seqs.includes(last.seq), `since ${micro}: ${JSON.stringify(since.body)}`);
    // The bound as read: the next millisecond.
    assert.equal(until.body['until'], new Date(Date.parse(last.at) + 1).toISOString());
  });

  it('whole milliseconds, and zeros past them, read as before', () => {
    assert.deepEqual(auditTimeOf('2024-05-01T12:00:00.123Z', 0, 'since'), { ok: true, value: '2024-05-01T12:00:00.123Z' });
    assert.deepEqual(auditTimeOf('2024-05-01T12:00:00.123000Z', 0, 'since'), { ok: true, value: '2024-05-01T12:00:00.123Z' });
    assert.deepEqual(auditTimeOf('2024-05-01T12:00:00.1230001+01:00', 0, 'until'), { ok: true, value: '2024-05-01T11:00:00.124Z' });
    assert.deepEqual(auditTimeOf('2024-05-01T12:00:00.9999Z', 0, 'until'), { ok: true, value: '2024-05-01T12:00:01.000Z' });
    assert.deepEqual(auditTimeOf('9999-12-31T23:59:59.9995Z', 0, 'until'), { ok: true, value: '9999-12-31T23:59:59.999Z' });
  });
});
