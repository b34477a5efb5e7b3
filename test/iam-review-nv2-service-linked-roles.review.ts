/**
 * Review nv, 2: CreateServiceLinkedRole, DeleteServiceLinkedRole and GetServiceLinkedRoleDeletionStatus are operations
 * of the IAM API (API reference; `aws iam create-service-linked-role`, Terraform's `aws_iam_service_linked_role`,
 * eksctl and the like call them), but Gatehouse answered all three "Could not find operation … for version
 * 2010-05-08" (InvalidAction), IAM's words for an operation that does not exist: the tool blamed the endpoint or its
 * own version, and nothing said that Gatehouse keeps no service-linked roles or what to do instead. The same was found
 * and fixed for the credentials it does not keep (review ka, 4: creating one says so; review kk, 2: acting on one by its
 * id is NoSuchEntity after the permission check). Now creating one is refused saying that Gatehouse keeps none and that
 * a role created with CreateRole, trusting the service, stands for it; DeleteServiceLinkedRole is decided as
 * iam:DeleteServiceLinkedRole on the role, then NoSuchEntity (IAM's code for a role that is no service-linked role: the
 * role of that name, if any, is not deleted); GetServiceLinkedRoleDeletionStatus is NoSuchEntity for any task.
 * Real server, SDK v3.
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { iamUserWith, sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] });
let server: TestServer;
let iam: I.IAMClient;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  await iam.send(new I.CreateRoleCommand({ RoleName: 'AWSServiceRoleForSpot', Path: '/aws-service-role/spot.amazonaws.com/', AssumeRolePolicyDocument: TRUST }));
});
after(async () => {
  await server?.stop();
});

test('CreateServiceLinkedRole says Gatehouse keeps no service-linked roles and what to use, and creates nothing', async () => {
  const r = await sdkFailure(iam.send(new I.CreateServiceLinkedRoleCommand({ AWSServiceName: 'spot.amazonaws.com' })));
  assert.equal(r.code, 'InvalidAction');
  assert.equal(r.status, 400);
  assert.doesNotMatch(r.message, /Could not find operation/);
  assert.match(r.message, /service-linked roles/);
  assert.match(r.message, /CreateRole/);
  assert.deepEqual((await iam.send(new I.ListRolesCommand({}))).Roles?.map((x) => x.RoleName), ['AWSServiceRoleForSpot']);
});

test('DeleteServiceLinkedRole is NoSuchEntity after the check on the role, and deletes no role', async () => {
  const existing = await sdkFailure(iam.send(new I.DeleteServiceLinkedRoleCommand({ RoleName: 'AWSServiceRoleForSpot' })));
  assert.equal(existing.code, 'NoSuchEntity', existing.message);
  assert.equal(existing.status, 404);
  assert.match(existing.message, /service-linked role/);
  assert.equal((await iam.send(new I.GetRoleCommand({ RoleName: 'AWSServiceRoleForSpot' }))).Role?.RoleName, 'AWSServiceRoleForSpot');
  const missing = await sdkFailure(iam.send(new I.DeleteServiceLinkedRoleCommand({ RoleName: 'nope' })));
  assert.equal(missing.code, 'NoSuchEntity', missing.message);
  // Decided before anything is said of the role: a caller without the right learns nothing.
  const dev = server.iam(await iamUserWith(iam, 'dev', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:GetRole', Resource: '*' }] }));
  const refused = await sdkFailure(dev.send(new I.DeleteServiceLinkedRoleCommand({ RoleName: 'AWSServiceRoleForSpot' })));
  assert.equal(refused.code, 'AccessDenied', refused.message);
  assert.match(refused.message, /iam:DeleteServiceLinkedRole/);
});

test('GetServiceLinkedRoleDeletionStatus is NoSuchEntity: no deletion task exists', async () => {
  const r = await sdkFailure(iam.send(new I.GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId: 'task/aws-service-role/spot.amazonaws.com/AWSServiceRoleForSpot/0d7a41d4-8e2b-4bbf-9f6a-3c2b4e0c1a11' })));
  assert.equal(r.code, 'NoSuchEntity', r.message);
  assert.equal(r.status, 404);
});
