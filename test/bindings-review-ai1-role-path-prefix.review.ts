/**
 * Review ai, 1: a policy on one role's (or user's) ARN governed every role whose path began with that role's name.
 * The chain of a resource took "the ARNs it lies under" for every ARN, as for a bucket and its objects; but
 * `arn:aws:iam::A:role/team` is the role `team`, not a folder of `arn:aws:iam::A:role/team/trainer` (the role
 * `trainer` with path `/team/`). So `roles/iam.serviceAccountUser` granted on the role `team` let its members pass
 * (`iam.serviceAccounts.actAs`, the PassRole check) every role under the path `/team/`, and a binding managing the
 * role `team`'s policy reached theirs. In GCP a service account's allow policy governs that service account only;
 * IAM entities' ARNs now have no parents in the chain (the account level still covers them all).
 * Real server, AWS SDK v3 IAM client, SigV4-signed /v1/ calls.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] });

let server: TestServer;
let bob: Credentials;

before(async () => {
  server = await startTestServer();
  const iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'bob' }));
  const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'bob' }));
  bob = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  await iam.send(new I.CreateRoleCommand({ RoleName: 'team', AssumeRolePolicyDocument: TRUST }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'trainer', Path: '/team/', AssumeRolePolicyDocument: TRUST }));
});
after(async () => {
  await server?.stop();
});

async function setPolicy(resource: string, bindings: unknown[]): Promise<void> {
  const r = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource, bindings });
  assert.equal(r.status, 200, JSON.stringify(r.json));
}

async function bobMay(action: string, resource: string): Promise<string> {
  const r = await gatehouseJson(server.url, bob, 'POST', '/v1/authorize', { action, resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json['decision'] as string;
}

test('serviceAccountUser on the role `team` lets bob pass `team`, not the role `trainer` of path /team/', async () => {
  await setPolicy(`arn:aws:iam::${A}:role/team`, [{ role: 'roles/iam.serviceAccountUser', members: ['user:bob'] }]);
  assert.equal(await bobMay('iam:PassRole', `arn:aws:iam::${A}:role/team`), 'Allow');
  assert.equal(await bobMay('iam:PassRole', `arn:aws:iam::${A}:role/team/trainer`), 'ImplicitDeny');
  // Reading the role `team`'s policy (iam.serviceAccounts.getIamPolicy) is not reading `trainer`'s.
  await setPolicy(`arn:aws:iam::${A}:role/team`, [{ role: 'roles/viewer', members: ['user:bob'] }]);
  const own = await gatehouseJson(server.url, bob, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(`arn:aws:iam::${A}:role/team`)}`);
  assert.equal(own.status, 200, JSON.stringify(own.json));
  const read = await gatehouseJson(server.url, bob, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(`arn:aws:iam::${A}:role/team/trainer`)}`);
  assert.equal(read.status, 403, JSON.stringify(read.json));
  assert.equal(await bobMay('iam:GetRole', `arn:aws:iam::${A}:role/team/trainer`), 'ImplicitDeny');
  // A binding on the role's own ARN still applies, and the account level still covers every role.
  await setPolicy(`arn:aws:iam::${A}:role/team/trainer`, [{ role: 'roles/iam.serviceAccountUser', members: ['user:bob'] }]);
  assert.equal(await bobMay('iam:PassRole', `arn:aws:iam::${A}:role/team/trainer`), 'Allow');
});
