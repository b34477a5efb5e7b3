/**
 * Review D, finding 8: ListAttachedUserPolicies, ListAttachedGroupPolicies and ListAttachedRolePolicies ignored
 * PathPrefix and answered every attached policy, so a client filtering by it (`--path-prefix /team/`) got policies
 * outside the path, and an invalid prefix passed. Now only the policies whose path starts with it, and a prefix that is
 * not a policy path is ValidationError. Real SDK v3 against a real server.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const DOC = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
let server: TestServer;
let iam: I.IAMClient;
const arns: string[] = [];

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  for (const [name, path] of [['a', '/team/'], ['b', '/team/ml/'], ['c', '/other/']] as const) arns.push((await iam.send(new I.CreatePolicyCommand({ PolicyName: name, Path: path, PolicyDocument: DOC }))).Policy!.Arn!);
  arns.push('arn:aws:iam::aws:policy/ReadOnlyAccess');
  await iam.send(new I.CreateUserCommand({ UserName: 'u' }));
  await iam.send(new I.CreateGroupCommand({ GroupName: 'g' }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: TRUST }));
  for (const PolicyArn of arns) {
    await iam.send(new I.AttachUserPolicyCommand({ UserName: 'u', PolicyArn }));
    await iam.send(new I.AttachGroupPolicyCommand({ GroupName: 'g', PolicyArn }));
    await iam.send(new I.AttachRolePolicyCommand({ RoleName: 'r', PolicyArn }));
  }
});
after(async () => {
  await server?.stop();
});

test('PathPrefix keeps only the attached policies under it, for users, groups and roles', async () => {
  const names = (x: { AttachedPolicies?: I.AttachedPolicy[] | undefined }) => x.AttachedPolicies?.map((p) => p.PolicyName).sort();
  assert.deepEqual(names(await iam.send(new I.ListAttachedUserPoliciesCommand({ UserName: 'u', PathPrefix: '/team/' }))), ['a', 'b']);
  assert.deepEqual(names(await iam.send(new I.ListAttachedGroupPoliciesCommand({ GroupName: 'g', PathPrefix: '/team/ml/' }))), ['b']);
  assert.deepEqual(names(await iam.send(new I.ListAttachedRolePoliciesCommand({ RoleName: 'r', PathPrefix: '/' }))), ['ReadOnlyAccess', 'a', 'b', 'c']);
  assert.deepEqual(names(await iam.send(new I.ListAttachedRolePoliciesCommand({ RoleName: 'r' }))), ['ReadOnlyAccess', 'a', 'b', 'c']);
});

test('a PathPrefix that is not a policy path is refused', async () => {
  const f = await sdkFailure(iam.send(new I.ListAttachedUserPoliciesCommand({ UserName: 'u', PathPrefix: 'team' })));
  assert.equal(f.code, 'ValidationError');
  assert.match(f.message, /PathPrefix/);
});
