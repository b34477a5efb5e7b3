/**
 * Review D, finding 6: GetPolicy and ListPolicies answered PermissionsBoundaryUsageCount 0 for every policy, while
 * DeletePolicy refuses a policy that is some user's or role's permissions boundary (DeleteConflict): an administrator
 * who read AttachmentCount 0 and PermissionsBoundaryUsageCount 0 was then refused. Now both count the users and roles
 * of the caller's account that have it as their boundary, as GetAccountAuthorizationDetails does. Real SDK v3
 * against a real server.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const DOC = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' }] });
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
const BUILTIN = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
let server: TestServer;
let iam: I.IAMClient;
let arn: string;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  arn = (await iam.send(new I.CreatePolicyCommand({ PolicyName: 'fence', PolicyDocument: DOC }))).Policy!.Arn!;
  await iam.send(new I.CreateUserCommand({ UserName: 'u1', PermissionsBoundary: arn }));
  await iam.send(new I.CreateUserCommand({ UserName: 'u2' }));
  await iam.send(new I.PutUserPermissionsBoundaryCommand({ UserName: 'u2', PermissionsBoundary: arn }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: TRUST, PermissionsBoundary: BUILTIN }));
});
after(async () => {
  await server?.stop();
});

test('GetPolicy and ListPolicies count the users and roles a policy bounds', async () => {
  const got = (await iam.send(new I.GetPolicyCommand({ PolicyArn: arn }))).Policy!;
  assert.equal(got.PermissionsBoundaryUsageCount, 2);
  assert.equal(got.AttachmentCount, 0);
  assert.equal((await iam.send(new I.GetPolicyCommand({ PolicyArn: BUILTIN }))).Policy?.PermissionsBoundaryUsageCount, 1);
  const listed = (await iam.send(new I.ListPoliciesCommand({}))).Policies ?? [];
  assert.equal(listed.find((p) => p.Arn === arn)?.PermissionsBoundaryUsageCount, 2);
  assert.equal(listed.find((p) => p.Arn === BUILTIN)?.PermissionsBoundaryUsageCount, 1);
  assert.equal(listed.find((p) => p.Arn === 'arn:aws:iam::aws:policy/IAMFullAccess')?.PermissionsBoundaryUsageCount, 0);
  // What the count says is what DeletePolicy does.
  assert.equal((await sdkFailure(iam.send(new I.DeletePolicyCommand({ PolicyArn: arn })))).code, 'DeleteConflict');
});

test('the count follows the boundaries removed, and then the policy can go', async () => {
  await iam.send(new I.DeleteUserPermissionsBoundaryCommand({ UserName: 'u1' }));
  assert.equal((await iam.send(new I.GetPolicyCommand({ PolicyArn: arn }))).Policy?.PermissionsBoundaryUsageCount, 1);
  await iam.send(new I.DeleteUserCommand({ UserName: 'u2' }));
  assert.equal((await iam.send(new I.GetPolicyCommand({ PolicyArn: arn }))).Policy?.PermissionsBoundaryUsageCount, 0);
  await iam.send(new I.DeletePolicyCommand({ PolicyArn: arn }));
});
