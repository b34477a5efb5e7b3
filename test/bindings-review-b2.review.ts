/**
 * Review B2: `GET /v1/iam-policies` (no `resource`) lists only the policies the caller may read. Before, it listed
 * every IAM policy of the caller's account to any principal of it, a user without a single policy included, while
 * `GET /v1/iam-policies?resource=…` refused the same caller each one (`gatehouse:GetIamPolicy`, or a binding
 * granting `*.getIamPolicy`). Real server, AWS SDK v3 IAM client, SigV4-signed /v1/ calls.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const model = (name: string): string => `arn:aws:training::${A}:model/${name}`;

let server: TestServer;
let iam: I.IAMClient;

async function userWithKey(name: string): Promise<Credentials> {
  await iam.send(new I.CreateUserCommand({ UserName: name }));
  const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: name }));
  return { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
}

async function listed(who: Credentials): Promise<string[]> {
  const r = await gatehouseJson(server.url, who, 'GET', '/v1/iam-policies');
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return (r.json['iamPolicies'] as { resource: string }[]).map((p) => p.resource).sort();
}

async function readOne(who: Credentials, resource: string): Promise<number> {
  return (await gatehouseJson(server.url, who, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(resource)}`)).status;
}

let bob: Credentials;
let alice: Credentials;
let dave: Credentials;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  bob = await userWithKey('bob');
  alice = await userWithKey('alice');
  dave = await userWithKey('dave');
  // alice may read the policy of m1 by IAM; dave the policy of m2 by a binding (roles/ml.admin holds ml.models.getIamPolicy).
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'read-m1', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'gatehouse:GetIamPolicy', Resource: model('m1') }] }) }));
  for (const [m, bindings] of [
    ['m1', [{ role: 'roles/ml.viewer', members: ['user:bob'] }]],
    ['m2', [{ role: 'roles/ml.admin', members: ['user:dave'] }]],
    ['m3', [{ role: 'roles/ml.viewer', members: ['user:alice'] }]],
  ] as const) {
    const r = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: model(m), bindings });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  }
});
after(async () => {
  await server?.stop();
});

test('a user without policies lists no IAM policy, as it can read none', async () => {
  assert.equal(await readOne(bob, model('m1')), 403);
  assert.deepEqual(await listed(bob), []);
});

test('a user lists the policies it may read, by IAM or by a binding, and only those', async () => {
  assert.deepEqual(await listed(alice), [model('m1')]);
  assert.deepEqual(await listed(dave), [model('m2')]);
  assert.deepEqual(await listed(server.admin), [model('m1'), model('m2'), model('m3')]);
});
