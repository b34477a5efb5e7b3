/**
 * Review jh, 2: listing accounts (`GET /v1/accounts`) asked `iam:ListAccounts` on the root account's ARN with the engine
 * alone, comparing literally, where every other administrative decision reads a Deny in the other dialect too (review
 * is, 5). So mallory, a user of the `aws` root account allowed `*` and denied `ram:ListAccounts` on
 * `acs:ram::000000000000:root` (RAM's spelling of the same action on the same account), still read every tenant's id
 * and name, the disclosure review gn, 5 closed; `createAccount` (the use case's own entry) likewise took a Deny of
 * `ram:CreateAccount` as nothing, though `POST /v1/accounts` refused it. Both now decide as the IAM API does
 * (`decideAdmin`): a Deny statement naming action and resource in the other spelling applies, an exemption by
 * `NotAction` in the account's own spelling still exempts. Real server, SigV4-signed `/v1/` requests, SDK v3 IAM
 * client. Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const OTHER = '350000000123';

describe('jh2: a Deny of ListAccounts or CreateAccount in the other dialect applies', () => {
  let s: TestServer;
  let mallory: Credentials;
  let pat: Credentials;
  const v1 = (method: string, path: string, body?: unknown, who?: Credentials) => gatehouseJson(s.url, who ?? s.admin, method, path, body);
  const keyOf = async (iam: I.IAMClient, user: string): Promise<Credentials> => {
    const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: user }))).AccessKey;
    return { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
  };

  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    for (const u of ['mallory', 'pat']) await iam.send(new I.CreateUserCommand({ UserName: u }));
    const policy = (UserName: string, Statement: unknown[]) => iam.send(new I.PutUserPolicyCommand({ UserName, PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement }) }));
    await policy('mallory', [
      { Effect: 'Allow', Action: '*', Resource: '*' },
      { Effect: 'Deny', Action: ['ram:ListAccounts', 'ram:CreateAccount'], Resource: [`acs:ram::${ROOT}:root`, 'acs:ram::*:root'] },
    ]);
    // pat: every IAM action but ListAccounts denied, in the account's own spelling.
    await policy('pat', [
      { Effect: 'Allow', Action: '*', Resource: '*' },
      { Effect: 'Deny', NotAction: ['iam:ListAccounts', 'iam:GetUser'], Resource: '*' },
    ]);
    mallory = await keyOf(iam, 'mallory');
    pat = await keyOf(iam, 'pat');
    const made = await v1('POST', '/v1/accounts', { id: OTHER, partition: 'acs', name: 'tenant' });
    assert.equal(made.status, 201, JSON.stringify(made.json));
  });
  after(async () => {
    await s?.stop();
  });

  it('mallory lists her own account only', async () => {
    const r = await v1('GET', '/v1/accounts', undefined, mallory);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual((r.json['accounts'] as { id: string }[]).map((a) => a.id), [ROOT]);
  });

  it('mallory creates no account, through the API or the use case', async () => {
    const r = await v1('POST', '/v1/accounts', { id: '350000000124', partition: 'acs' }, mallory);
    assert.equal(r.status, 403, JSON.stringify(r.json));
    const caller = await s.running.app.authenticate(mallory.accessKeyId);
    assert.ok(caller.ok);
    const created = await s.running.app.createAccount(caller.value.caller, { id: '350000000125', partition: 'acs' });
    assert.equal(created.ok, false, 'createAccount refused');
    assert.match(created.ok ? '' : (created.errors[0]?.message ?? ''), /explicit/);
    const all = await v1('GET', '/v1/accounts');
    assert.deepEqual((all.json['accounts'] as { id: string }[]).map((a) => a.id).sort(), [ROOT, OTHER]);
  });

  it('an exemption by NotAction in the account dialect still exempts', async () => {
    const r = await v1('GET', '/v1/accounts', undefined, pat);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.ok((r.json['accounts'] as { id: string }[]).some((a) => a.id === OTHER), JSON.stringify(r.json));
  });
});
