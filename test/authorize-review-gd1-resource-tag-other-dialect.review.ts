/**
 * Review gd, 1. A question about a user or role of the directory (`iam:`/`ram:` on its ARN, `sts:AssumeRole` on a
 * role) is decided with the entity's own tags, as the IAM Query API and STS decide it: the asker's
 * `aws:ResourceTag/K` and `iam:ResourceTag/K` are replaced by the directory's (review I, I2). The same tag in the
 * other dialect's spelling, `acs:ResourceTag/K`, was left in the context, and the engine reads a key's `aws:`/`acs:`
 * counterpart when the key itself is absent, and a key as written before the directory's `aws:` spelling: so an asker
 * could say a role carries a tag it does not carry. Asked with `{"acs:ResourceTag/team": "red"}`, a user allowed
 * `iam:UpdateAssumeRolePolicy` only on roles tagged `team=red` was answered Allow on an untagged role, which the IAM
 * API refuses it; a Deny of untagged roles (`Null aws:ResourceTag/owner true`) was lifted the same way; and in an
 * `acs` account, whose policies read `acs:ResourceTag/K`, the asker's value overrode the role's own tag outright.
 *
 * Now every spelling of a resource tag the directory supplies (`aws:`, `acs:`, `iam:`) is replaced, and named in the
 * note. Real server on 127.0.0.1 (SQLite), SigV4-signed SDK clients and `/v1/authorize`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { REGION, sdkFailure, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const doc = (...Statement: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement });
const TRUST = doc({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' });

describe('authorize: a resource tag of a directory entity cannot be supplied in the other dialect', () => {
  let s: TestServer;
  let account: string;
  let bob: Credentials;
  const role = (name: string) => `arn:aws:iam::${account}:role/${name}`;
  const ask = (body: object) => gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', body);

  before(async () => {
    s = await startTestServer();
    account = s.adminFile.AccountId;
    const iam = s.iam();
    await iam.send(new CreateRoleCommand({ RoleName: 'untagged', AssumeRolePolicyDocument: TRUST }));
    await iam.send(new CreateRoleCommand({ RoleName: 'blue', AssumeRolePolicyDocument: TRUST, Tags: [{ Key: 'team', Value: 'blue' }, { Key: 'owner', Value: 'ops' }] }));
    bob = await userWithKey(s, 'bob');
    await iam.send(new PutUserPolicyCommand({
      UserName: 'bob',
      PolicyName: 'red-roles',
      PolicyDocument: doc({ Effect: 'Allow', Action: 'iam:UpdateAssumeRolePolicy', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': 'red' } } }),
    }));
    await iam.send(new CreateUserCommand({ UserName: 'carol' }));
    await iam.send(new PutUserPolicyCommand({
      UserName: 'carol',
      PolicyName: 'owned-roles',
      PolicyDocument: doc(
        { Effect: 'Allow', Action: 'iam:GetRole', Resource: '*' },
        { Sid: 'NoOwner', Effect: 'Deny', Action: 'iam:GetRole', Resource: '*', Condition: { Null: { 'aws:ResourceTag/owner': 'true' } } },
      ),
    }));
  });
  after(() => s?.stop());

  it('the IAM API refuses bob on a role not tagged team=red', async () => {
    const iam = new IAMClient({ endpoint: s.url, region: REGION, credentials: bob, maxAttempts: 1 });
    try {
      const f = await sdkFailure(iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'untagged', PolicyDocument: TRUST })));
      assert.equal(f.code, 'AccessDenied');
    } finally {
      iam.destroy();
    }
  });

  it('acs:ResourceTag/team in the context does not tag an untagged role', async () => {
    const r = await ask({ principal: `arn:aws:iam::${account}:user/bob`, action: 'iam:UpdateAssumeRolePolicy', resource: role('untagged'), context: { 'acs:ResourceTag/team': 'red' } });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json['decision'], 'ImplicitDeny', JSON.stringify(r.json));
    assert.ok((r.json['diagnostics'] as string[]).some((d) => d.includes('`acs:ResourceTag/team`') && d.includes('replaced')), JSON.stringify(r.json['diagnostics']));
  });

  it('nor overrides the tag a role carries, in either spelling of the key', async () => {
    for (const key of ['acs:ResourceTag/team', 'ACS:resourcetag/TEAM']) {
      const r = await ask({ principal: `arn:aws:iam::${account}:user/bob`, action: 'iam:UpdateAssumeRolePolicy', resource: role('blue'), context: { [key]: 'red' } });
      assert.equal(r.json['decision'], 'ImplicitDeny', `${key}: ${JSON.stringify(r.json)}`);
    }
  });

  it('nor lifts a Deny of roles without an owner tag', async () => {
    const untagged = await ask({ principal: `arn:aws:iam::${account}:user/carol`, action: 'iam:GetRole', resource: role('untagged'), context: { 'acs:ResourceTag/owner': 'me' } });
    assert.equal(untagged.json['decision'], 'ExplicitDeny', JSON.stringify(untagged.json));
    const owned = await ask({ principal: `arn:aws:iam::${account}:user/carol`, action: 'iam:GetRole', resource: role('blue') });
    assert.equal(owned.json['decision'], 'Allow', JSON.stringify(owned.json));
  });

  it('nor tags a role that a trust decision reads (sts:AssumeRole)', async () => {
    const iam = s.iam();
    await iam.send(new CreateRoleCommand({
      RoleName: 'red-only',
      AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' }),
    }));
    await iam.send(new PutUserPolicyCommand({
      UserName: 'carol',
      PolicyName: 'assume-red',
      PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': 'red' } } }),
    }));
    const r = await ask({ principal: `arn:aws:iam::${account}:user/carol`, action: 'sts:AssumeRole', resource: role('red-only'), context: { 'acs:ResourceTag/team': 'red' } });
    assert.equal(r.json['decision'], 'ImplicitDeny', JSON.stringify(r.json));
  });
});
