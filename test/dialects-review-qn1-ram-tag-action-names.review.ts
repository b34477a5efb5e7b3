/**
 * Review qn, 1: RAM tags its users, roles and policies with `TagResources`, removes tags with `UntagResources` and lists
 * them with `ListTagResources` — its API reference's "RAM authorization" tables name `ram:TagResources`,
 * `ram:UntagResources` and `ram:ListTagResources` (alibabacloud.com/help/en/ram/developer-reference/
 * api-ram-2015-05-01-tagresources for roles and policies, api-ims-2019-08-15-tagresources for users); RAM has no
 * `ram:TagUser`, `ram:TagRole` or `ram:TagPolicy`. In an `acs` account the IAM API decided TagUser, TagRole, TagPolicy,
 * their Untag… and List…Tags under IAM's names in RAM's service only, so the guardrail a RAM administrator writes to keep
 * users from retagging themselves or a role into what an `acs:PrincipalTag` / `acs:ResourceTag` condition grants,
 * `Deny ram:TagResources, ram:UntagResources`, never matched, and a user granted `ram:TagResources` as RAM's docs teach
 * was refused. Now they are decided under RAM's own names as well, as review lp, 2 did for AttachPolicyToUser: a Deny
 * naming them refuses in either partition, and in an `acs` account an Allow naming them grants. `@aws-sdk/client-iam`
 * against a real server on 127.0.0.1, and the authorize API.
 * Before the fix 4 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { acsAccount, ramUser } from './support/alibaba-world.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { iamUserWith, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACS = '350000000853';

describe('qn1: RAM’s own tag action names decide the IAM API’s tag calls', () => {
  let s: TestServer;
  let admin: I.IAMClient;
  let guarded: I.IAMClient;
  let granted: I.IAMClient;
  let grantedKey: Credentials;
  let policyArn = '';

  const refused = async (p: Promise<unknown>, what: string): Promise<void> => {
    await assert.rejects(p, (e: { name?: string }) => {
      assert.equal(e.name, 'AccessDenied', `${what}: ${String(e)}`);
      return true;
    }, `${what} was not refused`);
  };

  before(async () => {
    s = await startTestServer();
    admin = s.iam(await acsAccount(s, ACS));
    const made = await admin.send(new I.CreatePolicyCommand({ PolicyName: 'reads', PolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: '*' }] }), Tags: [{ Key: 'team', Value: 'ml' }] }));
    policyArn = made.Policy?.Arn ?? assert.fail('no policy ARN');
    await admin.send(new I.CreateRoleCommand({ RoleName: 'ops', AssumeRolePolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${ACS}:root`] } }] }), Tags: [{ Key: 'team', Value: 'ml' }] }));
    // A RAM administrator kept from changing tags, which acs:PrincipalTag / acs:ResourceTag conditions grant by.
    guarded = s.iam(await ramUser(admin, 'alice', { Effect: 'Allow', Action: 'ram:*', Resource: '*' }, { Effect: 'Deny', Action: ['ram:TagResources', 'ram:UntagResources'], Resource: '*' }));
    await admin.send(new I.TagUserCommand({ UserName: 'alice', Tags: [{ Key: 'clearance', Value: 'low' }] }));
    grantedKey = await ramUser(admin, 'bob', { Effect: 'Allow', Action: ['ram:TagResources', 'ram:UntagResources', 'ram:ListTagResources', 'gatehouse:Authorize'], Resource: '*' });
    granted = s.iam(grantedKey);
  });
  after(async () => {
    await s?.stop();
  });

  it('a Deny of ram:TagResources / ram:UntagResources refuses TagUser, TagRole, TagPolicy and their Untag…', async () => {
    await refused(guarded.send(new I.TagUserCommand({ UserName: 'alice', Tags: [{ Key: 'clearance', Value: 'high' }] })), 'TagUser');
    await refused(guarded.send(new I.UntagUserCommand({ UserName: 'alice', TagKeys: ['clearance'] })), 'UntagUser');
    await refused(guarded.send(new I.TagRoleCommand({ RoleName: 'ops', Tags: [{ Key: 'team', Value: 'admin' }] })), 'TagRole');
    await refused(guarded.send(new I.UntagRoleCommand({ RoleName: 'ops', TagKeys: ['team'] })), 'UntagRole');
    await refused(guarded.send(new I.TagPolicyCommand({ PolicyArn: policyArn, Tags: [{ Key: 'team', Value: 'admin' }] })), 'TagPolicy');
    await refused(guarded.send(new I.UntagPolicyCommand({ PolicyArn: policyArn, TagKeys: ['team'] })), 'UntagPolicy');
    const tags = await admin.send(new I.ListUserTagsCommand({ UserName: 'alice' }));
    assert.deepEqual(tags.Tags, [{ Key: 'clearance', Value: 'low' }]);
    // What the Deny does not name is still allowed by ram:*.
    const read = await guarded.send(new I.ListRoleTagsCommand({ RoleName: 'ops' }));
    assert.deepEqual(read.Tags, [{ Key: 'team', Value: 'ml' }]);
  });

  it('an Allow of ram:TagResources, UntagResources and ListTagResources grants the tag calls', async () => {
    await granted.send(new I.TagRoleCommand({ RoleName: 'ops', Tags: [{ Key: 'owner', Value: 'bob' }] }));
    await granted.send(new I.TagPolicyCommand({ PolicyArn: policyArn, Tags: [{ Key: 'owner', Value: 'bob' }] }));
    await granted.send(new I.TagUserCommand({ UserName: 'bob', Tags: [{ Key: 'owner', Value: 'bob' }] }));
    assert.deepEqual((await granted.send(new I.ListRoleTagsCommand({ RoleName: 'ops' }))).Tags?.map((t) => t.Key), ['owner', 'team']);
    assert.deepEqual((await granted.send(new I.ListPolicyTagsCommand({ PolicyArn: policyArn }))).Tags?.map((t) => t.Key), ['owner', 'team']);
    assert.deepEqual((await granted.send(new I.ListUserTagsCommand({ UserName: 'bob' }))).Tags?.map((t) => t.Key), ['owner']);
    await granted.send(new I.UntagRoleCommand({ RoleName: 'ops', TagKeys: ['owner'] }));
    await granted.send(new I.UntagPolicyCommand({ PolicyArn: policyArn, TagKeys: ['owner'] }));
  });

  it('the authorize API (which escalation paths ask) answers as the IAM API decides', async () => {
    const ask = async (action: string): Promise<unknown> => (await gatehouseJson(s.url, grantedKey, 'POST', '/v1/authorize', { action, resource: `acs:ram::${ACS}:user/bob` })).json['decision'];
    assert.equal(await ask('ram:TagUser'), 'Allow');
    assert.equal(await ask('ram:UntagUser'), 'Allow');
    assert.equal(await ask('ram:CreateUser'), 'ImplicitDeny');
  });

  it('in an aws account a Deny of ram:TagResources refuses iam:TagUser too', async () => {
    const iam = s.iam();
    const carol = s.iam(await iamUserWith(iam, 'carol', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }, { Effect: 'Deny', Action: 'ram:TagResources', Resource: '*' }] }));
    await refused(carol.send(new I.TagUserCommand({ UserName: 'carol', Tags: [{ Key: 'clearance', Value: 'high' }] })), 'TagUser in an aws account');
    await carol.send(new I.ListUserTagsCommand({ UserName: 'carol' }));
  });
});
