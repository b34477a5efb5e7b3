/**
 * Dialects review oo, finding 1: escalation-paths lists, as gains that take a Deny away (`gives: without-deny`,
 * docs/decisions.md, review eq, 3 and ii, 4–5), a principal tag its Denies test that the principal may remove
 * (`Untag…` a tag a Deny keys on, `aws:PrincipalTag/K`) or set (`Tag…` a tag a `StringNotEquals`/`Null true` Deny asks
 * it to carry). Both were asked only in `aws` accounts and only under `aws:PrincipalTag/K`; RAM's spelling,
 * `acs:PrincipalTag/K` (which the engine reads as the `aws:` key, docs/semantics.md "Conditions"), was never read,
 * and an `acs` account's users were never asked about (review on, 4 mended the same gap for the Allow side only).
 * A RAM user denied the vault while it carries `team=contractor`, and allowed `ram:UntagUser` on itself, untags
 * itself and reads the vault; one denied it unless it carries `cleared=yes`, and allowed `ram:TagUser` on itself,
 * tags itself and reads it (both checked for real through the IAM API and the authorize API), and the report said
 * neither could gain anything. Now both spellings are read in either partition for these gains (the session-tag
 * alternatives stay AWS's: RAM's AssumeRole passes no session tags).
 * Real server (SQLite), an `acs` account, SDK v3 IAM, the admin API as the CLI signs it.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { escalationGains } from './support/escalation.ts';
import { accountAdmin, iamUserWith, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACS = '123456789012';
const VAULT = 'acs:oss:*:*:vault/k';
const userArn = (name: string) => `acs:ram::${ACS}:user/${name}`;
const allowVault = { Effect: 'Allow', Action: 'oss:GetObject', Resource: 'acs:oss:*:*:vault/*' };

describe('review oo1: a RAM user that may untag or tag itself out of a Deny on acs:PrincipalTag', () => {
  let s: TestServer;
  let admin: Credentials;
  before(async () => {
    s = await startTestServer();
    admin = await accountAdmin(s, ACS, 'acs');
  });
  after(() => s?.stop());

  const ask = async (who: Credentials) => (await gatehouseJson(s.url, who, 'POST', '/v1/authorize', { action: 'oss:GetObject', resource: VAULT })).json['decision'];

  it('is reported to gain by untagging itself, as it does for real', async () => {
    const me = userArn('mallory');
    const mallory = await iamUserWith(s.iam(admin), 'mallory', {
      Version: '1',
      Statement: [
        allowVault,
        { Effect: 'Deny', Action: 'oss:GetObject', Resource: 'acs:oss:*:*:vault/*', Condition: { StringEquals: { 'acs:PrincipalTag/team': 'contractor' } } },
        { Effect: 'Allow', Action: ['ram:UntagUser', 'gatehouse:Authorize'], Resource: me },
      ],
    });
    await s.iam(admin).send(new I.TagUserCommand({ UserName: 'mallory', Tags: [{ Key: 'team', Value: 'contractor' }] }));
    const gains = (await escalationGains({ url: s.url, admin }, me)).filter((g) => g.gives === 'without-deny');
    assert.deepEqual(gains.map((g) => [g.action, g.policy]), [['ram:UntagUser', 'acs:PrincipalTag/team']], JSON.stringify(gains));
    // The path is real: the tag removed, the vault is read.
    assert.equal(await ask(mallory), 'ExplicitDeny');
    await s.iam(mallory).send(new I.UntagUserCommand({ UserName: 'mallory', TagKeys: ['team'] }));
    assert.equal(await ask(mallory), 'Allow');
  });

  it('is reported to gain by tagging itself with the tag a Deny asks it to carry, as it does for real', async () => {
    const me = userArn('trent');
    const trent = await iamUserWith(s.iam(admin), 'trent', {
      Version: '1',
      Statement: [
        allowVault,
        { Effect: 'Deny', Action: 'oss:GetObject', Resource: 'acs:oss:*:*:vault/*', Condition: { StringNotEquals: { 'acs:PrincipalTag/cleared': 'yes' } } },
        { Effect: 'Allow', Action: ['ram:TagUser', 'gatehouse:Authorize'], Resource: me },
      ],
    });
    const gains = (await escalationGains({ url: s.url, admin }, me)).filter((g) => g.gives === 'without-deny');
    assert.deepEqual(gains.map((g) => [g.action, g.policy]), [['ram:TagUser', 'acs:PrincipalTag/cleared']], JSON.stringify(gains));
    assert.equal(await ask(trent), 'ExplicitDeny');
    await s.iam(trent).send(new I.TagUserCommand({ UserName: 'trent', Tags: [{ Key: 'cleared', Value: 'yes' }] }));
    assert.equal(await ask(trent), 'Allow');
  });
});
