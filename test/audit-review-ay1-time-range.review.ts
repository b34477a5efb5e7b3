/**
 * Review ay, 1 (medium): the audit log's time bounds (`GET /v1/audit?since=&until=`, `audit query --since/--until`)
 * were read by `Date.parse` behind a check of the first ten characters only, so:
 *   - a date that does not exist was taken and silently moved: `since=2024-02-31` read from 2 March, `2023-02-29`
 *     from 1 March (a typo in an incident query answered, wrongly, instead of saying so);
 *   - a time without a zone (`2024-05-01T12:00:00`, or with a space for the T) was read in the server's own time
 *     zone, so the same query returned other records on a server with TZ set than on one in UTC, while a date alone
 *     (`2024-05-01`) was read as UTC and every record's `at` is UTC;
 *   - a time past the year 9999 once its offset is applied (`9999-12-31T23:59:59-14:00`) became the text
 *     `+010000-…`, which sorts before every record: `since` of it returned the whole log.
 * Now the server and the CLI read one grammar (RFC 3339 / ISO-8601: a date, or a date and time with an optional zone
 * that defaults to UTC) and refuse a day, hour or offset out of range, and any time outside the years 0001–9999, with
 * a 400 (API) or exit 2 (CLI) naming the parameter and saying what is wrong.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

describe('review ay1: audit time bounds are real UTC times or refused', () => {
  let s: TestServer;
  const tz = process.env['TZ'];
  before(async () => {
    // A server whose zone is not UTC: a zone-less time must still be read as UTC.
    process.env['TZ'] = 'America/New_York';
    s = await startTestServer();
    await s.iam().send(new CreateUserCommand({ UserName: 'ay1' }));
    await s.running.app.audit.flush();
  });
  after(async () => {
    if (tz === undefined) delete process.env['TZ'];
    else process.env['TZ'] = tz;
    await s?.stop();
  });
  const get = (q: string) => gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?${q}`);

  it('a day, hour or offset that does not exist is refused, naming the parameter', async () => {
    for (const [k, v, why] of [
      ['since', '2024-02-31', /February 2024 has 29 days/],
      ['until', '2023-02-29', /February 2023 has 28 days/],
      ['since', '2024-04-31T00:00:00Z', /April 2024 has 30 days/],
      ['since', '2024-13-01', /month/],
      ['until', '2024-05-01T25:00:00Z', /hour/],
      ['since', '2024-05-01T12:00:00+25:00', /offset/],
      ['since', '2024-05-01 Z', /ISO-8601/],
    ] as const) {
      const r = await get(`${k}=${encodeURIComponent(v)}`);
      assert.equal(r.status, 400, `${k}=${v}: ${JSON.stringify(r.json)}`);
      const e = (r.json as { error: { message: string; details: { path: string }[] } }).error;
      assert.equal(e.details[0]?.path, k, `${k}=${v}`);
      assert.match(e.message, why, `${k}=${v}`);
      assert.match(e.message, new RegExp(`\`${k}\``), `${k}=${v}`);
    }
    // A leap day that exists, offsets in both forms, fractions, lower-case t and z: taken.
    for (const v of ['2024-02-29', '2024-05-01T12:00:00.123456+05:30', '2024-05-01T12:00+0530', '2024-05-01t12:00:00z', '2024-05-01 12:00:00Z']) {
      const r = await get(`since=${encodeURIComponent(v)}`);
      assert.equal(r.status, 200, `${v}: ${JSON.stringify(r.json)}`);
    }
  });

  it('past the year 9999 with its offset: refused, not the whole log', async () => {
    const r = await get(`since=${encodeURIComponent('9999-12-31T23:59:59-14:00')}`);
    assert.equal(r.status, 400, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /9999/);
  });

  it('a time without a zone is UTC, whatever the server\'s zone', async () => {
    const before = new Date(Date.now() - 2 * 3_600_000).toISOString().slice(0, 19);
    for (const v of [before, before.replace('T', ' ')]) {
      const zoneless = await get(`since=${encodeURIComponent(v)}&kind=change`);
      const utc = await get(`since=${encodeURIComponent(`${v}Z`)}&kind=change`);
      assert.equal(zoneless.status, 200, JSON.stringify(zoneless.json));
      const n = (x: typeof utc) => (x.json as { records: unknown[] }).records.length;
      assert.ok(n(utc) > 0, 'records of the last two hours');
      assert.equal(n(zoneless), n(utc), `${v} reads as ${v}Z`);
    }
  });

  it('the CLI refuses the same values as a usage error naming the option (exit 2)', async () => {
    const r = await cliAgainst(s, ['audit', 'query', '--since', '2024-02-31']);
    assert.equal(r.status, 2, r.err);
    assert.match(r.err, /--since.*February 2024 has 29 days/);
    const u = await cliAgainst(s, ['audit', 'query', '--until', '2024-05-01T12:00:00+25:00']);
    assert.equal(u.status, 2, u.err);
    assert.match(u.err, /--until/);
    const good = await cliAgainst(s, ['audit', 'query', '--since', '2024-02-29', '--until', '2999-01-01T00:00:00', '--json']);
    assert.equal(good.status, 0, good.err);
  });
});
