/**
 * Policy review C7: the directory's user and role names are unique whatever their case (CreateUser `ALICE` beside
 * `alice` is EntityAlreadyExists) and a resource policy naming `user/Alice` is accepted for `alice`, but the engine
 * compared the names case-sensitively: a bucket Deny naming `arn:aws:iam::…:user/Alice` (or `role/Worker`) was stored
 * and never applied to `alice` (or the `worker` role's sessions). A Deny now names them whatever the case; an Allow
 * still matches exactly (authorize API, real server).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand, CreateUserCommand, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { authorizeDecision } from './support/authorize-api.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const doc = (...Statement: unknown[]): Record<string, unknown> => ({ Version: '2012-10-17', Statement });

describe('policy review C7: a resource-policy Deny names a user or role whatever the case of its name', () => {
  let s: TestServer;
  const ask = (principal: string, resource: string): Promise<string> => authorizeDecision(s, { principal, action: 's3:GetObject', resource });
  const attach = async (bucket: string, statement: unknown): Promise<void> => {
    const put = await call(connectionTo(s.url, s.admin), 'PUT', ['resource-policies', `arn:aws:s3:::${bucket}`], { body: { document: doc(statement) } });
    assert.ok(put.ok, JSON.stringify(put));
  };

  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    const all = JSON.stringify(doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }));
    await iam.send(new CreateUserCommand({ UserName: 'alice' }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'p', PolicyDocument: all }));
    await iam.send(new CreateRoleCommand({ RoleName: 'worker', AssumeRolePolicyDocument: JSON.stringify(doc({ Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'sts:AssumeRole' })) }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'worker', PolicyName: 'p', PolicyDocument: all }));
    await iam.send(new CreateUserCommand({ UserName: 'carol' }));
  });
  after(async () => {
    await s.stop();
  });

  it('Deny on user/Alice applies to alice; Deny on role/WORKER applies to the worker role', async () => {
    await attach('case-user', { Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${ROOT}:user/Alice` }, Action: 's3:*', Resource: 'arn:aws:s3:::case-user/*' });
    assert.equal(await ask(`arn:aws:iam::${ROOT}:user/alice`, 'arn:aws:s3:::case-user/k'), 'ExplicitDeny');
    await attach('case-role', { Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${ROOT}:role/WORKER` }, Action: 's3:*', Resource: 'arn:aws:s3:::case-role/*' });
    assert.equal(await ask(`arn:aws:iam::${ROOT}:role/worker`, 'arn:aws:s3:::case-role/k'), 'ExplicitDeny');
  });

  it('an Allow still names the user exactly: Carol in the policy grants carol nothing', async () => {
    await attach('case-allow', { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:user/Carol` }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::case-allow/*' });
    assert.equal(await ask(`arn:aws:iam::${ROOT}:user/carol`, 'arn:aws:s3:::case-allow/k'), 'ImplicitDeny');
  });
});
