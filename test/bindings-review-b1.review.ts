/**
 * Review B1: the IAM policy attached to a role, user or group goes with it when it is deleted. Before, a role
 * deleted and created again under its name kept the policy on its ARN, so whoever had
 * `roles/iam.serviceAccountUser` on the old role could pass the new one (the PassRole check through bindings),
 * and a user or group re-created kept who may manage it. GCP deletes a service account's allow policy with it, as
 * Gatehouse already did for a bucket's (DeleteBucket). Real server, AWS SDK v3 IAM client, SigV4-signed /v1/ calls.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { storeIamPolicy } from './support/stored-iam-policy.ts';

const A = '000000000000';
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] });

let server: TestServer;
let iam: I.IAMClient;
let bob: Credentials;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'bob' }));
  const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'bob' }));
  bob = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
});
after(async () => {
  await server?.stop();
});

async function setPolicy(resource: string, bindings: unknown[]): Promise<void> {
  const r = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource, bindings });
  assert.equal(r.status, 200, JSON.stringify(r.json));
}

async function bindingsOf(resource: string): Promise<unknown[]> {
  const r = await gatehouseJson(server.url, server.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(resource)}`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json['bindings'] as unknown[];
}

async function bobMay(action: string, resource: string): Promise<string> {
  const r = await gatehouseJson(server.url, bob, 'POST', '/v1/authorize', { action, resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json['decision'] as string;
}

test('a role deleted and created again does not keep the serviceAccountUser bindings of the old one', async () => {
  const arn = `arn:aws:iam::${A}:role/r1`;
  await iam.send(new I.CreateRoleCommand({ RoleName: 'r1', AssumeRolePolicyDocument: TRUST }));
  await setPolicy(arn, [{ role: 'roles/iam.serviceAccountUser', members: ['user:bob'] }]);
  assert.equal(await bobMay('iam:PassRole', arn), 'Allow');

  await iam.send(new I.DeleteRoleCommand({ RoleName: 'r1' }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'r1', AssumeRolePolicyDocument: TRUST }));
  assert.deepEqual(await bindingsOf(arn), [], 'the old role’s policy went with it');
  assert.equal(await bobMay('iam:PassRole', arn), 'ImplicitDeny');
});

test('a user or group deleted and created again does not keep the policy attached to its ARN', async () => {
  for (const [kind, create, remove] of [
    ['user', () => iam.send(new I.CreateUserCommand({ UserName: 'carol' })), () => iam.send(new I.DeleteUserCommand({ UserName: 'carol' }))],
    ['group', () => iam.send(new I.CreateGroupCommand({ GroupName: 'team' })), () => iam.send(new I.DeleteGroupCommand({ GroupName: 'team' }))],
  ] as const) {
    const arn = `arn:aws:iam::${A}:${kind}/${kind === 'user' ? 'carol' : 'team'}`;
    await create();
    // Stored as before review rj, 1, which refuses any role on a user's or group's ARN.
    await storeIamPolicy(server, A, arn, [{ role: 'roles/viewer', members: ['user:bob'] }]);
    assert.equal((await bindingsOf(arn)).length, 1);
    await remove();
    await create();
    assert.deepEqual(await bindingsOf(arn), [], `the old ${kind}’s policy went with it`);
  }
});
