/**
 * A session narrowed by a managed session policy (AssumeRole `PolicyArns`) stays narrowed when that policy goes
 * away (review O, finding 1, fails open): the policy deleted, by an administrator or by the session itself when
 * the policy allows `iam:DeletePolicy`, used to be dropped from the session's policies, and a session without
 * session policies has its role's whole rights. Now a session policy that no longer exists allows nothing.
 * Real SDK v3 clients against a server on 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACCOUNT = '000000000000';
const doc = (...Statement: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement });
const policyArn = (name: string): string => `arn:aws:iam::${ACCOUNT}:policy/${name}`;

let server: TestServer;

async function errorName(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'no error';
  } catch (e) {
    return (e as Error).name;
  }
}

async function session(policies: string[], name: string): Promise<Credentials> {
  const r = await server.sts().send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/everything`, RoleSessionName: name, PolicyArns: policies.map((arn) => ({ arn })) }));
  const c = r.Credentials;
  assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
}

before(async () => {
  server = await startTestServer();
  const iam = server.iam();
  await iam.send(new I.CreateRoleCommand({ RoleName: 'everything', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }) }));
  await iam.send(new I.PutRolePolicyCommand({ RoleName: 'everything', PolicyName: 'all', PolicyDocument: doc({ Effect: 'Allow', Action: '*', Resource: '*' }) }));
});

after(async () => {
  await server?.stop();
});

describe('a managed session policy that no longer exists allows nothing', () => {
  it('the session deletes its own session policy: it gains nothing', async () => {
    await server.iam().send(new I.CreatePolicyCommand({ PolicyName: 'narrow', PolicyDocument: doc({ Effect: 'Allow', Action: ['iam:GetUser', 'iam:DeletePolicy'], Resource: '*' }) }));
    const s = await session([policyArn('narrow')], 'self-lift');
    const iam = server.iam(s);
    assert.equal(await errorName(iam.send(new I.CreateUserCommand({ UserName: 'lifted' }))), 'AccessDenied', 'narrowed to begin with');
    await iam.send(new I.DeletePolicyCommand({ PolicyArn: policyArn('narrow') }));
    assert.equal(await errorName(iam.send(new I.CreateUserCommand({ UserName: 'lifted' }))), 'AccessDenied', 'no wider once its session policy is gone');
    assert.equal(await errorName(iam.send(new I.CreateAccessKeyCommand({ UserName: 'admin' }))), 'AccessDenied');
    assert.equal(await errorName(iam.send(new I.GetUserCommand({ UserName: 'admin' }))), 'AccessDenied', 'and what the deleted policy allowed is no longer allowed either');
    assert.equal(await errorName(server.iam().send(new I.GetUserCommand({ UserName: 'lifted' }))), 'NoSuchEntityException', 'nothing was created');
  });

  it('an administrator deletes the session policies one by one: the session keeps to what is left, then to nothing', async () => {
    const iam = server.iam();
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'lists', PolicyDocument: doc({ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }) }));
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'roles', PolicyDocument: doc({ Effect: 'Allow', Action: 'iam:ListRoles', Resource: '*' }) }));
    const s = await session([policyArn('lists'), policyArn('roles')], 'two');
    await server.iam(s).send(new I.ListUsersCommand({}));
    await server.iam(s).send(new I.ListRolesCommand({}));
    assert.equal(await errorName(server.iam(s).send(new I.ListGroupsCommand({}))), 'AccessDenied');
    // Any of a session's policies may allow (reference §8): with one gone, what the other allows.
    await iam.send(new I.DeletePolicyCommand({ PolicyArn: policyArn('lists') }));
    assert.equal(await errorName(server.iam(s).send(new I.ListUsersCommand({}))), 'AccessDenied');
    await server.iam(s).send(new I.ListRolesCommand({}));
    // With both gone, nothing — not the role's whole rights.
    await iam.send(new I.DeletePolicyCommand({ PolicyArn: policyArn('roles') }));
    for (const call of [new I.ListRolesCommand({}), new I.ListUsersCommand({}), new I.ListGroupsCommand({}), new I.CreateUserCommand({ UserName: 'x' })]) {
      assert.equal(await errorName(server.iam(s).send(call as never)), 'AccessDenied', call.constructor.name);
    }
  });
});
