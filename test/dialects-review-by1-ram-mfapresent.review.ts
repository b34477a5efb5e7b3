/**
 * Dialects review by, finding 1: `acs:MFAPresent`, RAM's name for "signed in with MFA" (reference §A.2, global keys;
 * src/core/iam/context-keys.ts reads it as `aws:MultiFactorAuthPresent`'s RAM form), was never in a request. The
 * engine reads an `acs:` key as the `aws:` key of the same name, and there is no `aws:MFAPresent`: so the key was
 * absent for every principal, the RAM form of the documented MFA guard, `Deny … Bool acs:MFAPresent false`, never
 * applied (allow where the same policy spelt `aws:MultiFactorAuthPresent` denies), and the resource server cannot
 * supply it (the authorize API strips keys that describe the principal). Now `acs:MFAPresent` is
 * `aws:MultiFactorAuthPresent` under its RAM name: `false` for temporary credentials (a role session), absent for
 * long-term access keys, as docs/semantics.md "Keys about MFA" says.
 * Real server (SQLite), an `acs` account, real STS AssumeRole (`@aws-sdk/client-sts`), SigV4-signed /v1/authorize.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACS = '123456789012';
const v1 = (...Statement: object[]): string => JSON.stringify({ Version: '1', Statement });
const v2012 = (...Statement: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement });
const ALLOW_OSS = { Effect: 'Allow', Action: 'oss:*', Resource: '*' };
/** Alibaba's MFA guard, in RAM's words and in AWS's. */
const RAM_GUARD = { Effect: 'Deny', Action: '*', Resource: '*', Condition: { Bool: { 'acs:MFAPresent': 'false' } } };
const AWS_GUARD = { Effect: 'Deny', Action: '*', Resource: '*', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } } };
const OBJECT = 'acs:oss:*:*:bkt/x';

let s: TestServer;
let admin: Credentials;
let dev: Credentials;

async function decision(who: Credentials, body: Record<string, unknown>): Promise<string> {
  const r = await gatehouseJson(s.url, who, 'POST', '/v1/authorize', { action: 'oss:GetObject', resource: OBJECT, ...body });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json['decision'] as string;
}

async function session(roleName: string): Promise<Credentials> {
  const out = await s.sts(dev).send(new AssumeRoleCommand({ RoleArn: `acs:ram::${ACS}:role/${roleName}`, RoleSessionName: 's1' }));
  const c = out.Credentials;
  return { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' };
}

before(async () => {
  s = await startTestServer();
  admin = await accountAdmin(s, ACS, 'acs');
  const iam = s.iam(admin);
  await iam.send(new I.CreateUserCommand({ UserName: 'dev' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'dev', PolicyName: 'p', PolicyDocument: v1({ Effect: 'Allow', Action: ['sts:AssumeRole', 'gatehouse:Authorize'], Resource: '*' }, ALLOW_OSS, RAM_GUARD) }));
  const key = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'dev' }))).AccessKey;
  dev = { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' };
  const trust = v1({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${ACS}:root`] } });
  for (const [name, policy] of [['ram-guarded', v1(ALLOW_OSS, RAM_GUARD)], ['aws-guarded', v2012(ALLOW_OSS, AWS_GUARD)]] as const) {
    await iam.send(new I.CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: name, PolicyName: 'p', PolicyDocument: policy }));
  }
});
after(() => s?.stop());

describe('acs:MFAPresent is aws:MultiFactorAuthPresent in RAM words (dialects review by, 1)', () => {
  it('a role session (temporary credentials, no MFA) is denied by the RAM guard, as by the AWS one', async () => {
    assert.equal(await decision(await session('aws-guarded'), {}), 'ExplicitDeny', 'the AWS spelling (control)');
    assert.equal(await decision(await session('ram-guarded'), {}), 'ExplicitDeny', 'the RAM spelling');
  });

  it('a session named by ARN is denied too; a user with long-term keys is not (the key is absent, as in AWS)', async () => {
    assert.equal(await decision(admin, { principal: `acs:ram::${ACS}:role/ram-guarded/s2` }), 'ExplicitDeny');
    assert.equal(await decision(admin, { principal: `acs:ram::${ACS}:user/dev` }), 'Allow');
    assert.equal(await decision(dev, {}), 'Allow');
  });

  it('a resource server cannot assert MFA in RAM words either', async () => {
    assert.equal(await decision(admin, { principal: `acs:ram::${ACS}:role/ram-guarded/s3`, context: { 'acs:MFAPresent': 'true' } }), 'ExplicitDeny');
  });
});
