/**
 * Stop 29 (left by review ay): the root account's auditors read every account's records, but could not ask for one
 * account's: `GET /v1/audit` refused `account` as an unknown parameter, though the store indexes records by account.
 * Now `account` (12 digits; `audit query --account`) narrows a root principal's query to that account; a principal of
 * another account asking for a third account's records is refused (AccessDenied), where it would otherwise have been
 * answered with its own records as if they were that account's.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const TEAM = '555555555555';

describe('stop 29: the audit log read for one account', () => {
  let s: TestServer;
  let team: { accessKeyId: string; secretAccessKey: string };
  before(async () => {
    s = await startTestServer();
    const conn: Connection = { endpoint: new URL(s.url), credentials: s.admin, region: 'us-east-1', credentialsSource: 'test' };
    const r = await call<{ credentials: { AccessKeyId: string; SecretAccessKey: string }[] }>(conn, 'POST', ['apply'], {
      body: { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Account', metadata: { name: TEAM }, spec: { partition: 'aws' } }] },
    });
    assert.ok(r.ok, JSON.stringify(r));
    const k = r.value.credentials[0];
    team = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    // A change in each account.
    assert.equal((await gatehouseJson(s.url, s.admin, 'POST', '/v1/users', { name: 'root-user' })).status, 201);
    assert.equal((await gatehouseJson(s.url, team, 'POST', '/v1/users', { name: 'team-user' })).status, 201);
    await s.running.app.audit.flush();
  });
  after(() => s?.stop());

  it('a root principal reads one account\'s records; another account\'s principal only its own', async () => {
    const one = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?account=${TEAM}&limit=1000`);
    // Before: 400 unknown parameter `account`.
    assert.equal(one.status, 200, JSON.stringify(one.json));
    const records = one.json['records'] as { account: string; resource: string }[];
    assert.ok(records.length > 0);
    assert.ok(records.every((x) => x.account === TEAM), JSON.stringify(records.map((x) => x.account)));
    assert.ok(records.some((x) => x.resource.endsWith('user/team-user')));
    const rootOnly = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?account=${ROOT}&limit=1000`);
    assert.ok((rootOnly.json['records'] as { account: string }[]).every((x) => x.account === ROOT));

    const own = await gatehouseJson(s.url, team, 'GET', `/v1/audit?account=${TEAM}`);
    assert.equal(own.status, 200, JSON.stringify(own.json));
    const other = await gatehouseJson(s.url, team, 'GET', `/v1/audit?account=${ROOT}`);
    assert.equal(other.status, 403, JSON.stringify(other.json));
    assert.match(JSON.stringify(other.json), /read only its own audit records/);
    const bad = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit?account=12');
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.json), /`account` must be an account id \(12 digits\)/);

    const cli = await cliAgainst(s, ['audit', 'query', '--account', TEAM, '--json', '--limit', '1000']);
    assert.equal(cli.status, 0, cli.err);
    const lines = cli.out.trim().split('\n').map((l) => JSON.parse(l) as { account: string });
    assert.ok(lines.length > 0 && lines.every((x) => x.account === TEAM));
  });
});
