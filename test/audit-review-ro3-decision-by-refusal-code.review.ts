/**
 * Review ro, 3: `audit query --decision` takes an error code "as the aws CLI showed it" (README §7) and, for
 * `AccessDenied`, finds every refusal the client was answered so (review ci, 2). Every other code found refused changes
 * only: a refused authentication is a `decision` `Deny` whose AWS code is `detail.authentication`
 * (`SignatureDoesNotMatch`, `InvalidClientTokenId`, `ExpiredToken`), and a refused session a `session` `Deny` whose code
 * is `detail.code` (`INVALID_IDENTITY_TOKEN`, `SERVICE_UNAVAILABLE`…), so `--decision SignatureDoesNotMatch` (a
 * guessed secret, the error an SDK raised) or `--decision InvalidIdentityToken` (the web identity tokens STS refused)
 * said `no records match`, exit 0, with such records in the log: the answer README §7 refuses to give ("a value no
 * record carries … is refused rather than matching nothing"), and a CloudTrail user's `errorCode` filter. Now a code,
 * in either spelling, also lists the `Deny` records refused with it: by `detail.code` (the stored code) or
 * `detail.authentication` (the AWS code; a flood summary of several codes that lists it too); other values are as before.
 *
 * Real server on 127.0.0.1, on SQLite and on the test machine's PostgreSQL (one SQL for both); STS called with a
 * wrong secret, a made-up session token, and an unsigned AssumeRoleWithWebIdentity with a token that is no JWT.
 *
 * Before the fix 6 of 8 tests failed (3 of 4 a store; the guard that other values find what they found passed).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { CreateRoleCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, sdkFailure, startTestServer, type TestServer } from './support/server.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

const skip = await pgSkip();
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: 'accounts.google.com' }, Action: 'sts:AssumeRoleWithWebIdentity' }] });

for (const store of ['sqlite', 'postgres'] as const) describe(`review ro3: --decision with a refusal's code lists the refusals answered with it (${store})`, { skip: store === 'postgres' ? skip : undefined }, () => {
  let s: TestServer;
  const schema = `gh_review_ro3_${process.pid}`;
  before(async () => {
    if (store === 'postgres') await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    s = await startTestServer(store === 'postgres' ? { postgres: { url: PG_URL, schema } } : {});
    await s.iam().send(new CreateUserCommand({ UserName: 'ro3-refused' }));
    await s.iam().send(new CreateRoleCommand({ RoleName: 'ro3-web', AssumeRolePolicyDocument: TRUST }));
    // A wrong secret for a real key; a made-up session token; a web identity token that is no JWT.
    const wrong = await sdkFailure(s.sts({ accessKeyId: s.admin.accessKeyId, secretAccessKey: `${s.admin.secretAccessKey.slice(0, -4)}AAAA` }).send(new GetCallerIdentityCommand({})));
    assert.equal(wrong.code, 'SignatureDoesNotMatch');
    const token = await sdkFailure(s.sts({ accessKeyId: 'ASIAQQQQQQQQQQQQQQQQ', secretAccessKey: 'x'.repeat(40), sessionToken: 'not-a-session-token' }).send(new GetCallerIdentityCommand({})));
    assert.equal(token.code, 'InvalidClientTokenId');
    const web = await sdkFailure(s.sts().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: 'arn:aws:iam::000000000000:role/ro3-web', RoleSessionName: 'ro3', WebIdentityToken: 'not-a-jwt-at-all' })));
    assert.equal(web.code, 'InvalidIdentityToken');
    await s.running.app.audit.flush();
  });
  after(async () => {
    await s?.stop();
    if (store === 'postgres') await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
  });

  const records = async (decision: string): Promise<AuditRecord[]> => {
    const r = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?limit=1000&decision=${encodeURIComponent(decision)}`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json['records'] as AuditRecord[];
  };

  it('a refused authentication is found by its AWS code and by the stored code', async () => {
    for (const d of ['SignatureDoesNotMatch', 'SIGNATURE_DOES_NOT_MATCH', 'signaturedoesnotmatch']) {
      const got = await records(d);
      assert.equal(got.length, 1, `${d}: ${JSON.stringify(got)}`);
      assert.equal(got[0]?.decision, 'Deny');
      assert.equal(got[0]?.detail['authentication'], 'SignatureDoesNotMatch');
    }
    const token = await records('InvalidClientTokenId');
    assert.deepEqual(token.map((r) => r.detail['authentication']), ['InvalidClientTokenId']);
  });

  it('a refused session is found by the code it was refused with', async () => {
    const got = await records('InvalidIdentityToken');
    assert.deepEqual(got.map((r) => [r.kind, r.action, r.decision, r.detail['code']]), [['session', 'sts:AssumeRoleWithWebIdentity', 'Deny', 'INVALID_IDENTITY_TOKEN']]);
  });

  it('other values find what they found: a code no refusal carries finds none; Deny finds every refusal so stored', async () => {
    assert.deepEqual(await records('ExpiredToken'), []);
    assert.equal((await records('Deny')).length, 3);
    assert.equal((await records('AccessDenied')).length, 3);
  });

  it('the CLI lists them', async () => {
    const r = await cliAgainst(s, ['audit', 'query', '--json', '--decision', 'SignatureDoesNotMatch']);
    assert.equal(r.status, 0, r.err);
    assert.equal(r.out.split('\n').filter((l) => l !== '').length, 1, r.out);
  });
});
