/**
 * Review jz, 2 (medium): `GET /v1/audit?since=2026-05-01T12:00:00+02:00` — a time with its offset, as `date -Iseconds`
 * prints it, typed into curl or a browser — was refused 400 ("`since` must be an ISO-8601 time … got
 * `2026-05-01T12:00:00 02:00`"): in a URL's query string `+` stands for a space, so the server read a space where the
 * offset's sign was, and the message showed a time that looked as given but for a blank. Only a `-` offset or `%2B`
 * worked. A space can stand nowhere else in such a time (a space between the date and the time is read as `T`
 * already), so a space right before an offset's digits is read as the `+` it was sent as; the answer's `since` and
 * `until` give the UTC time read, as for every bound. Anything else malformed is still refused.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

describe('review jz2: an offset sent with a bare `+` in the query string is read as given', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    await s.iam().send(new CreateUserCommand({ UserName: 'jz2' }));
    await s.running.app.audit.flush();
  });
  after(async () => {
    await s?.stop();
  });
  const get = (q: string) => gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?${q}`);

  it('since and until with `+HH:MM` (and `+HHMM`, `+HH`) unencoded: read as that offset', async () => {
    const r = await get('since=2000-01-01T12:00:00+02:00&until=2999-06-01T00:00:00.5+0530&action=iam:CreateUser');
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json['since'], '2000-01-01T10:00:00.000Z');
    assert.equal(r.json['until'], '2999-05-31T18:30:00.500Z');
    assert.deepEqual((r.json['records'] as { action: string }[]).map((x) => x.action), ['iam:CreateUser']);
    const hours = await get('since=2000-01-01T12:00+02');
    assert.equal(hours.status, 200, JSON.stringify(hours.json));
    assert.equal(hours.json['since'], '2000-01-01T10:00:00.000Z');
    // Encoded, as the CLI sends it: the same.
    const encoded = await get('since=2000-01-01T12:00:00%2B02:00');
    assert.equal(encoded.json['since'], '2000-01-01T10:00:00.000Z');
  });

  it('other blanks are still refused, naming the parameter', async () => {
    for (const v of ['2000-01-01T12:00:00%20%2002:00', '2000-01-01T12:00:00+2:00', '2000-01-01T12:00:00+02:00+01:00', '+2000-01-01T12:00:00']) {
      const r = await get(`since=${v}`);
      assert.equal(r.status, 400, `${v}: ${JSON.stringify(r.json)}`);
      assert.match(JSON.stringify(r.json), /"path":"since"/);
    }
  });
});
