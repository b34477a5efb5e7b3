/**
 * Review bb, 2. A question about the root of an account the directory does not hold was answered Allow: with
 * `principal: arn:aws:iam::999999999999:root` (no such account), `svc:Do` on `arn:aws:svc:us-east-1:999999999999:x/y`
 * and on a bucket of no account (`arn:aws:s3:::bucket`) were `Allow` ("the account root has full access to its own
 * account"), and so was any resource of the asker's own account whose resource policy allows `*`, where a user of
 * that missing account is NoSuchEntity. A principal that does not exist must fail closed, with a clear message: a
 * resource server that takes the ARN it was handed and asks about it got the one answer that lets everything through.
 *
 * Now the root (and a federated user) of an account the directory does not hold is NoSuchEntity at `principal`, as a
 * user or role that does not exist is, on `/v1/authorize`, `/v1/simulate`, per item of a batch and in
 * `gatehouse authorize` (exit status 6, NoSuchEntity). The root of an account that exists is decided as before
 * (docs/semantics.md: its own account's side always allows). Real server (SQLite), SigV4-signed; the gatehouse CLI.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, cliAgainst, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';

const A = '111111111111';
const GHOST = '999999999999';
const doc = (...Statement: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement });

describe('authorize API: the root of an account that does not exist is no principal', () => {
  let s: TestServer;
  let adminA: Credentials;
  const post = (who: Credentials, path: string, body: unknown) => gatehouseJson(s.url, who, 'POST', path, body);
  const PUBLIC = `arn:aws:svc:us-east-1:${A}:thing/public`;

  before(async () => {
    s = await startTestServer();
    adminA = await accountAdmin(s, A, 'aws');
    // A resource of account A that every principal may read.
    const put = await gatehouseJson(s.url, adminA, 'PUT', `/v1/resource-policies/${encodeURIComponent(PUBLIC)}`, { document: doc({ Effect: 'Allow', Principal: '*', Action: 'svc:Read', Resource: PUBLIC }) });
    assert.equal(put.status, 200, JSON.stringify(put.json));
  });
  after(() => s?.stop());

  const ghosts: readonly [asker: () => Credentials, principal: string, action: string, resource: string][] = [
    [() => s.admin, `arn:aws:iam::${GHOST}:root`, 'svc:Do', `arn:aws:svc:us-east-1:${GHOST}:x/y`],
    [() => s.admin, `arn:aws:iam::${GHOST}:root`, 'svc:Do', 'arn:aws:s3:::bucket'],
    [() => s.admin, `acs:ram::${GHOST}:root`, 'oss:GetObject', `acs:oss:*:${GHOST}:bucket/k`],
    [() => adminA, `arn:aws:iam::${GHOST}:root`, 'svc:Read', PUBLIC],
    [() => adminA, `arn:aws:sts::${GHOST}:federated-user/bob`, 'svc:Read', PUBLIC],
  ];

  for (const [asker, principal, action, resource] of ghosts) {
    it(`${principal} on ${resource} is NoSuchEntity, never decided`, async () => {
      for (const path of ['/v1/authorize', '/v1/simulate']) {
        const r = await post(asker(), path, { principal, action, resource });
        assert.equal(r.status, 404, `${path}: ${JSON.stringify(r.json)}`);
        const e = r.json['error'] as { gatehouseCode?: string; message?: string; details?: { path?: string }[] };
        assert.equal(e.gatehouseCode, 'NO_SUCH_ENTITY', JSON.stringify(r.json));
        assert.equal(e.details?.[0]?.path, 'principal', JSON.stringify(r.json));
        assert.match(String(e.message), new RegExp(`account ${GHOST} does not exist`), JSON.stringify(r.json));
      }
      const batch = await post(asker(), '/v1/authorize:batch', { requests: [{ principal, action, resource }] });
      const [one] = batch.json['results'] as { decision?: string; error?: { code?: string } }[];
      assert.equal(one?.error?.code, 'NO_SUCH_ENTITY', JSON.stringify(batch.json));
    });
  }

  it('gatehouse authorize says so and exits NoSuchEntity, not 0 (Allow)', async () => {
    const r = await cliAgainst(s, ['authorize', '--principal', `arn:aws:iam::${GHOST}:root`, '--action', 'svc:Do', '--resource', `arn:aws:svc:us-east-1:${GHOST}:x/y`]);
    assert.equal(r.status, EXIT.notFound, `${r.status}: ${r.out}${r.err}`);
    assert.match(r.err, /account 999999999999 does not exist/);
  });

  it('the root of an account that exists is decided as before: its own account allows, another’s resource needs its policy', async () => {
    const own = await post(s.admin, '/v1/authorize', { principal: `arn:aws:iam::${A}:root`, action: 'svc:Do', resource: `arn:aws:svc:us-east-1:${A}:x/y` });
    assert.equal(own.json['decision'], 'Allow', JSON.stringify(own.json));
    const other = await post(s.admin, '/v1/authorize', { principal: `arn:aws:iam::${A}:root`, action: 'svc:Do', resource: `arn:aws:svc:us-east-1:000000000000:x/y` });
    assert.equal(other.json['decision'], 'ImplicitDeny', JSON.stringify(other.json));
    const pub = await post(adminA, '/v1/authorize', { principal: `arn:aws:iam::000000000000:root`, action: 'svc:Read', resource: PUBLIC });
    assert.equal(pub.json['decision'], 'Allow', JSON.stringify(pub.json));
  });
});
