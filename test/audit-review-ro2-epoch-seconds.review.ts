/**
 * Review ro, 2: `audit query --since/--until` (`GET /v1/audit?since=&until=`) refused a time in epoch seconds
 * (`--since 1714564800`, `--since "$(date -d '1 hour ago' +%s)"`): "must be an ISO-8601 time … or a duration". The
 * AWS CLI, whose CloudTrail lookups an auditor brings to this command, takes a timestamp "formatted according to the
 * ISO 8601 standard" or as "Unix time in seconds, for example, 1412195400" (AWS CLI user guide, Common parameter types,
 * Timestamp), and Gatehouse's own `policy evaluate --time` takes epoch seconds of 9 digits or more (docs/decisions.md,
 * review hm, 4: "`$(date +%s)` is how scripts write now"). A log shipper's script that keeps its last time as `date +%s`
 * got exit 2. Now a bound of 9 digits or more is epoch seconds, in the CLI and the API alike; fewer digits are still
 * refused, saying what they would have meant (a bare number is no duration: those need their unit).
 *
 * Real server on 127.0.0.1, the admin API as the CLI calls it (SigV4), and the CLI in process.
 *
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import { auditTimeOf } from '../src/app/audit-time.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

describe('review ro2: audit time bounds take epoch seconds, as the AWS CLI does', () => {
  let s: TestServer;
  let at = '';
  before(async () => {
    s = await startTestServer();
    await s.iam().send(new CreateUserCommand({ UserName: 'ro2-a' }));
    await s.running.app.audit.flush();
    const r = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit?action=iam:CreateUser');
    at = (r.json['records'] as { at: string }[])[0]?.at ?? '';
    assert.notEqual(at, '');
  });
  after(async () => s?.stop());

  it('the API reads 9 or more digits as epoch seconds: since inclusive, until exclusive, as an ISO time', async () => {
    const second = Math.floor(Date.parse(at) / 1000);
    const q = async (query: string): Promise<{ status: number; names: string[]; since?: unknown; until?: unknown }> => {
      const r = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?action=iam:CreateUser&${query}`);
      return { status: r.status, names: ((r.json['records'] as { resource: string }[] | undefined) ?? []).map((x) => x.resource.slice(x.resource.lastIndexOf('/') + 1)), since: r.json['since'], until: r.json['until'] };
    };
    const within = await q(`since=${second}&until=${second + 1}`);
    assert.equal(within.status, 200, JSON.stringify(within));
    assert.deepEqual(within.names, ['ro2-a']);
    assert.equal(within.since, new Date(second * 1000).toISOString());
    assert.equal(within.until, new Date((second + 1) * 1000).toISOString());
    assert.deepEqual((await q(`since=${second + 1}`)).names, []);
    assert.deepEqual((await q(`until=${second}`)).names, []);
  });

  it('the CLI takes them too', async () => {
    const second = Math.floor(Date.parse(at) / 1000);
    const r = await cliAgainst(s, ['audit', 'query', '--json', '--action', 'iam:CreateUser', '--since', String(second), '--until', String(second + 1)]);
    assert.equal(r.status, 0, r.err);
    assert.equal(r.out.split('\n').filter((l) => l !== '').length, 1, r.out);
  });

  it('fewer than 9 digits are refused, saying what they would have been; past 9999 too', () => {
    const short = auditTimeOf('3600', Date.now(), 'since');
    assert.equal(short.ok, false);
    assert.match(short.ok ? '' : (short.errors[0]?.message ?? ''), /too short for epoch seconds.*1970-01-01T01:00:00\.000Z/);
    assert.equal(auditTimeOf('999999999999', Date.now(), 'since').ok, false);
    assert.deepEqual(auditTimeOf('1412195400', Date.now(), 'since'), { ok: true, value: '2014-10-01T20:30:00.000Z' });
  });
});
