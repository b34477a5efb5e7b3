/**
 * Review D, finding 12: ListUsers, ListGroups, ListRoles and ListPolicies were decided on `…:user/*` whatever the
 * PathPrefix, so IAM's own example policy for delegating by path ("Access the policy simulator console based on user
 * path": iam:ListUsers on `arn:aws:iam::*:user/Department/Development/*`) could not list its path at all, and a Deny on
 * `user/protected/*` did not refuse listing `/protected/`. Now a listing with a PathPrefix is decided on the ARN of
 * what it can answer, `…:user/dev/*` for `/dev/`; without one, on `…:user/*` as before. Real SDK v3.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
const DOC = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
let server: TestServer;
let iam: I.IAMClient;

async function userWith(name: string, statements: object[]): Promise<I.IAMClient> {
  await iam.send(new I.CreateUserCommand({ UserName: name }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }));
  const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  return server.iam({ accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! });
}

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  for (const path of ['/dev/', '/devops/', '/protected/']) {
    const name = path.slice(1, -1);
    await iam.send(new I.CreateUserCommand({ UserName: `u-${name}`, Path: path }));
    await iam.send(new I.CreateGroupCommand({ GroupName: `g-${name}`, Path: path }));
    await iam.send(new I.CreateRoleCommand({ RoleName: `r-${name}`, Path: path, AssumeRolePolicyDocument: TRUST }));
    await iam.send(new I.CreatePolicyCommand({ PolicyName: `p-${name}`, Path: path, PolicyDocument: DOC }));
  }
});
after(async () => {
  await server?.stop();
});

test('an Allow on a path lists that path, and only with its PathPrefix', async () => {
  const dev = await userWith('delegate', [
    { Effect: 'Allow', Action: 'iam:ListUsers', Resource: `arn:aws:iam::*:user/dev/*` },
    { Effect: 'Allow', Action: 'iam:ListGroups', Resource: `arn:aws:iam::${ACCT}:group/dev/*` },
    { Effect: 'Allow', Action: 'iam:ListRoles', Resource: `arn:aws:iam::${ACCT}:role/dev/*` },
    { Effect: 'Allow', Action: 'iam:ListPolicies', Resource: `arn:aws:iam::${ACCT}:policy/dev/*` },
  ]);
  assert.deepEqual((await dev.send(new I.ListUsersCommand({ PathPrefix: '/dev/' }))).Users?.map((u) => u.UserName), ['u-dev']);
  assert.deepEqual((await dev.send(new I.ListGroupsCommand({ PathPrefix: '/dev/' }))).Groups?.map((g) => g.GroupName), ['g-dev']);
  assert.deepEqual((await dev.send(new I.ListRolesCommand({ PathPrefix: '/dev/' }))).Roles?.map((r) => r.RoleName), ['r-dev']);
  assert.deepEqual((await dev.send(new I.ListPoliciesCommand({ Scope: 'Local', PathPrefix: '/dev/' }))).Policies?.map((p) => p.PolicyName), ['p-dev']);
  // Without the prefix, or with one reaching past the path (/dev also holds /devops/), the answer could hold more.
  for (const PathPrefix of [undefined, '/', '/dev']) {
    const input = PathPrefix === undefined ? {} : { PathPrefix };
    assert.equal((await sdkFailure(dev.send(new I.ListUsersCommand(input)))).code, 'AccessDenied', String(PathPrefix));
    assert.equal((await sdkFailure(dev.send(new I.ListRolesCommand(input)))).code, 'AccessDenied', String(PathPrefix));
  }
});

test('a Deny on a path refuses listing it; listing everything is decided as before', async () => {
  const guarded = await userWith('guarded', [
    { Effect: 'Allow', Action: ['iam:ListUsers', 'iam:ListRoles'], Resource: '*' },
    { Effect: 'Deny', Action: ['iam:ListUsers', 'iam:ListRoles'], Resource: [`arn:aws:iam::${ACCT}:user/protected/*`, `arn:aws:iam::${ACCT}:role/protected/*`] },
  ]);
  const f = await sdkFailure(guarded.send(new I.ListUsersCommand({ PathPrefix: '/protected/' })));
  assert.equal(f.code, 'AccessDenied');
  assert.match(f.message, /iam:ListUsers on resource: arn:aws:iam::000000000000:user\/protected\/\*/);
  assert.equal((await sdkFailure(guarded.send(new I.ListRolesCommand({ PathPrefix: '/protected/' })))).code, 'AccessDenied');
  assert.ok((await guarded.send(new I.ListUsersCommand({ PathPrefix: '/dev/' }))).Users?.length === 1);
  const all = await sdkFailure(server.iam({ accessKeyId: 'AKIANOPE000000000000', secretAccessKey: 'x' }).send(new I.ListUsersCommand({})));
  assert.equal(all.code, 'InvalidClientTokenId');
  const noPrefix = await sdkFailure((await userWith('nobody', [{ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' }])).send(new I.ListUsersCommand({})));
  assert.match(noPrefix.message, /on resource: arn:aws:iam::000000000000:user\/\*/);
});
