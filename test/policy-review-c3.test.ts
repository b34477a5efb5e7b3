/**
 * Policy review C3: `aws:ResourceAccount` was never in the request, so the data-perimeter guard `Deny StringNotEquals
 * aws:ResourceAccount <own account>` refused even the account's own resources (authorize API, real server). It is now
 * the account the decision takes as the resource's owner, when that is known.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AssumeRoleCommand, type AssumeRoleCommandOutput } from '@aws-sdk/client-sts';
import { CreateRoleCommand, CreateUserCommand, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { errorName, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const V = '2012-10-17';
const doc = (...Statement: unknown[]): string => JSON.stringify({ Version: V, Statement });
const conn = (s: TestServer, credentials: Credentials): Connection => ({ endpoint: new URL(s.url), credentials, region: 'us-east-1', credentialsSource: 'test' });

describe('policy review C3: evaluation against AWS through the real server', () => {
  let s: TestServer;
  const ask = async (body: Record<string, unknown>, as?: Credentials): Promise<string> => {
    const r = await call<{ decision: string }>(conn(s, as ?? s.admin), 'POST', ['authorize'], { body });
    assert.ok(r.ok, JSON.stringify(r));
    return r.value.decision;
  };
  const creds = (r: AssumeRoleCommandOutput): Credentials => ({
    accessKeyId: r.Credentials?.AccessKeyId ?? '',
    secretAccessKey: r.Credentials?.SecretAccessKey ?? '',
    sessionToken: r.Credentials?.SessionToken ?? '',
  });

  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    const trustAccount = doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' });
    await iam.send(new CreateRoleCommand({ RoleName: 'worker', AssumeRolePolicyDocument: trustAccount }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'worker', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: ['sts:AssumeRole', 's3:*'], Resource: '*' }) }));
    await iam.send(new CreateRoleCommand({ RoleName: 'open', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }) }));
    await iam.send(new CreateUserCommand({ UserName: 'ipuser' }));
    await iam.send(new PutUserPolicyCommand({
      UserName: 'ipuser',
      PolicyName: 'p',
      PolicyDocument: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }, { Effect: 'Deny', Action: '*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } }),
    }));
    await iam.send(new CreateUserCommand({ UserName: 'perimeter' }));
    await iam.send(new PutUserPolicyCommand({
      UserName: 'perimeter',
      PolicyName: 'p',
      PolicyDocument: doc({ Effect: 'Allow', Action: 'sqs:*', Resource: '*' }, { Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringNotEquals: { 'aws:ResourceAccount': ROOT } } }),
    }));
    await iam.send(new CreateRoleCommand({ RoleName: 'homes', AssumeRolePolicyDocument: trustAccount }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'homes', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', NotResource: 'arn:aws:s3:::homes/${aws:username}/private/*' }) }));
  });
  after(async () => {
    await s.stop();
  });

  it('C3: aws:ResourceAccount is the resource’s account: a data perimeter keeps the account’s own resources', async () => {
    const base = { principal: `arn:aws:iam::${ROOT}:user/perimeter`, action: 'sqs:SendMessage' };
    assert.equal(await ask({ ...base, resource: `arn:aws:sqs:us-east-1:${ROOT}:jobs` }), 'Allow');
    assert.equal(await ask({ ...base, resource: 'arn:aws:sqs:us-east-1:111122223333:jobs' }), 'ExplicitDeny');
  });
});
