/**
 * Review ei, 2: a `PermissionsBoundary` that is no policy ARN (the policy's name, `ReadOnlyAccess`, where its ARN
 * belongs: SDK v3 checks no length, so it reaches the server) was refused with "PolicyArn is required and must be an
 * ARN": CreateUser, CreateRole, PutUserPermissionsBoundary and PutRolePermissionsBoundary have no `PolicyArn`
 * parameter, the value was not quoted, and nothing said what to give instead. AttachUserPolicy's refusal of the same
 * value did not quote it either. Now the message names the parameter the request used and its value, and says to give
 * the policy's ARN (STYLE.md: input in backticks, say what to do next; docs/errors.md). The code stays
 * ValidationError (400). 5 of the 5 tests failed before the fix. Real server, SDK v3.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }] });

let s: TestServer;
let iam: I.IAMClient;

before(async () => {
  s = await startTestServer();
  iam = s.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'ei2-user' }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'ei2-role', AssumeRolePolicyDocument: TRUST }));
});
after(async () => s?.stop());

/** The refusal names `field`, quotes the value, and says to give the policy's ARN. */
async function refusedNaming(p: Promise<unknown>, field: string): Promise<void> {
  const f = await sdkFailure(p);
  assert.equal(f.code, 'ValidationError');
  assert.equal(f.status, 400);
  assert.match(f.message, new RegExp(`^${field} \`ReadOnlyAccess\` is not the ARN of a managed policy`), f.message);
  assert.match(f.message, /arn:aws:iam::aws:policy\/ReadOnlyAccess/, f.message);
  if (field !== 'PolicyArn') assert.doesNotMatch(f.message, /PolicyArn/, f.message);
}

test('ei2: CreateUser with a boundary that is no ARN names PermissionsBoundary', async () => {
  await refusedNaming(iam.send(new I.CreateUserCommand({ UserName: 'ei2-new-user', PermissionsBoundary: 'ReadOnlyAccess' })), 'PermissionsBoundary');
});

test('ei2: CreateRole with a boundary that is no ARN names PermissionsBoundary', async () => {
  await refusedNaming(iam.send(new I.CreateRoleCommand({ RoleName: 'ei2-new-role', AssumeRolePolicyDocument: TRUST, PermissionsBoundary: 'ReadOnlyAccess' })), 'PermissionsBoundary');
});

test('ei2: PutUserPermissionsBoundary with no ARN names PermissionsBoundary', async () => {
  await refusedNaming(iam.send(new I.PutUserPermissionsBoundaryCommand({ UserName: 'ei2-user', PermissionsBoundary: 'ReadOnlyAccess' })), 'PermissionsBoundary');
});

test('ei2: PutRolePermissionsBoundary with no ARN names PermissionsBoundary', async () => {
  await refusedNaming(iam.send(new I.PutRolePermissionsBoundaryCommand({ RoleName: 'ei2-role', PermissionsBoundary: 'ReadOnlyAccess' })), 'PermissionsBoundary');
});

test('ei2: AttachUserPolicy with no ARN quotes the PolicyArn given', async () => {
  await refusedNaming(iam.send(new I.AttachUserPolicyCommand({ UserName: 'ei2-user', PolicyArn: 'ReadOnlyAccess' })), 'PolicyArn');
});
