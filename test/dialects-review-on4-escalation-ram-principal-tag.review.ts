/**
 * Dialects review on, finding 4: escalation-paths lists, as a gain, tagging a principal with the tags its own policies
 * grant by (review cc, 7: `Allow … StringEquals aws:PrincipalTag/clearance high`, and the principal may `TagUser`
 * itself). It read only `aws:PrincipalTag/K` conditions, and only in `aws` accounts; RAM's spelling,
 * `acs:PrincipalTag/K` (the engine reads it as the `aws:` key, docs/semantics.md "Conditions"), was never read, and an
 * `acs` account's users were never asked about: a RAM user allowed `ram:TagUser` on itself, whose policy grants the
 * vault to `acs:PrincipalTag/clearance = high`, tags itself and reads the vault (checked for real through the IAM
 * API and the authorize API), and the report said it could gain nothing. Now both spellings are read in either
 * partition for this gain.
 * Real server (SQLite), an `acs` account, SDK v3 IAM, the admin API as the CLI signs it.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { escalationGains } from './support/escalation.ts';
import { accountAdmin, iamUserWith, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACS = '123456789012';
const ME = `acs:ram::${ACS}:user/mallory`;
const VAULT = 'acs:oss:*:*:vault/k';
const policy = {
  Version: '1',
  Statement: [
    { Effect: 'Allow', Action: 'oss:GetObject', Resource: 'acs:oss:*:*:vault/*', Condition: { StringEquals: { 'acs:PrincipalTag/clearance': 'high' } } },
    { Effect: 'Allow', Action: ['ram:TagUser', 'gatehouse:Authorize'], Resource: ME },
  ],
};

describe('review on4: a RAM user that may tag itself with the tag its policies grant by', () => {
  let s: TestServer;
  let admin: Credentials;
  let mallory: Credentials;
  before(async () => {
    s = await startTestServer();
    admin = await accountAdmin(s, ACS, 'acs');
    mallory = await iamUserWith(s.iam(admin), 'mallory', policy);
  });
  after(() => s?.stop());

  it('is reported to gain by tagging itself, as it does for real', async () => {
    const gains = (await escalationGains({ url: s.url, admin }, ME)).filter((g) => g.gives === 'tags');
    assert.deepEqual(gains.map((g) => g.action), ['ram:TagUser'], JSON.stringify(gains));
    // The path is real: the tag set, the vault is read.
    const ask = async () => (await gatehouseJson(s.url, mallory, 'POST', '/v1/authorize', { action: 'oss:GetObject', resource: VAULT })).json['decision'];
    assert.equal(await ask(), 'ImplicitDeny');
    await s.iam(mallory).send(new I.TagUserCommand({ UserName: 'mallory', Tags: [{ Key: 'clearance', Value: 'high' }] }));
    assert.equal(await ask(), 'Allow');
  });
});
