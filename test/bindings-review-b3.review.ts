/**
 * Review B3: managing an IAM policy through a binding (`ml.models.setIamPolicy`, `*.getIamPolicy`) is cut by the
 * caller's permissions boundary and session policy, as every other grant of a binding is (the authorize union, and
 * PassRole through `roles/iam.serviceAccountUser`). Before, a user whose boundary allowed only `s3:GetObject`, or a
 * role session whose session policy allowed only that, still rewrote a model's policy through `roles/ml.admin`,
 * while `POST /v1/authorize` answered ImplicitDeny for the same request. Real server, AWS SDK v3 IAM and STS
 * clients, SigV4-signed /v1/ calls.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as STS from '@aws-sdk/client-sts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const model = (name: string): string => `arn:aws:training::${A}:model/${name}`;
const ONLY_GET = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });

let server: TestServer;
let iam: I.IAMClient;
let bob: Credentials;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'bob' }));
  const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'bob' }));
  bob = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  await iam.send(new I.CreateRoleCommand({
    RoleName: 'mgr',
    AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole' }] }),
  }));
  for (const [m, member] of [['mb', 'user:bob'], ['ms', `serviceAccount:mgr@${A}.iam.gatehouse.dev`]] as const) {
    const r = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: model(m), bindings: [{ role: 'roles/ml.admin', members: [member] }] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  }
});
after(async () => {
  await server?.stop();
});

const rewrite = (who: Credentials, m: string, member: string) =>
  gatehouseJson(server.url, who, 'PUT', '/v1/iam-policies', { resource: model(m), bindings: [{ role: 'roles/ml.admin', members: [...new Set([member, 'user:bob'])] }] });

test('a permissions boundary cuts setIamPolicy granted by a binding, as the authorize API answers', async () => {
  // Without a boundary, the binding lets bob manage the policy.
  assert.equal((await rewrite(bob, 'mb', 'user:bob')).status, 200);
  await iam.send(new I.CreatePolicyCommand({ PolicyName: 'only-get', PolicyDocument: ONLY_GET }));
  await iam.send(new I.PutUserPermissionsBoundaryCommand({ UserName: 'bob', PermissionsBoundary: `arn:aws:iam::${A}:policy/only-get` }));
  const asked = await gatehouseJson(server.url, bob, 'POST', '/v1/authorize', { action: 'ml.models.setIamPolicy', resource: model('mb') });
  assert.equal(asked.json['decision'], 'ImplicitDeny');
  const r = await rewrite(bob, 'mb', 'user:bob');
  assert.equal(r.status, 403, JSON.stringify(r.json));
  assert.match(JSON.stringify(r.json), /permissions boundary/);
  assert.equal((await gatehouseJson(server.url, bob, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(model('mb'))}`)).status, 403);
});

test('a session policy cuts setIamPolicy granted by a binding to the role', async () => {
  const sts = server.sts();
  const session = async (Policy?: string): Promise<Credentials> => {
    const a = await sts.send(new STS.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/mgr`, RoleSessionName: 'ses', ...(Policy !== undefined ? { Policy } : {}) }));
    return { accessKeyId: a.Credentials?.AccessKeyId ?? '', secretAccessKey: a.Credentials?.SecretAccessKey ?? '', sessionToken: a.Credentials?.SessionToken ?? '' };
  };
  const member = `serviceAccount:mgr@${A}.iam.gatehouse.dev`;
  assert.equal((await rewrite(await session(), 'ms', member)).status, 200);
  const r = await rewrite(await session(ONLY_GET), 'ms', member);
  assert.equal(r.status, 403, JSON.stringify(r.json));
  assert.match(JSON.stringify(r.json), /session policy/);
});

test('an explicit deny in the caller’s own policies refuses managing another account’s policy through a binding', async () => {
  const B = '111122223333';
  const created = await gatehouseJson(server.url, server.admin, 'POST', '/v1/accounts', { id: B, partition: 'aws' });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const adminB: Credentials = { accessKeyId: created.json['AccessKeyId'] as string, secretAccessKey: created.json['SecretAccessKey'] as string };
  const iamB = server.iam(adminB);
  await iamB.send(new I.CreateUserCommand({ UserName: 'erin' }));
  const k = await iamB.send(new I.CreateAccessKeyCommand({ UserName: 'erin' }));
  const erin: Credentials = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  const set = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: model('mx'), bindings: [{ role: 'roles/ml.admin', members: ['allAuthenticatedUsers'] }] });
  assert.equal(set.status, 200, JSON.stringify(set.json));
  const write = () => gatehouseJson(server.url, erin, 'PUT', '/v1/iam-policies', { resource: model('mx'), bindings: [{ role: 'roles/ml.admin', members: ['allAuthenticatedUsers', 'user:bob'] }] });
  // The binding lets a principal of account B manage it…
  assert.equal((await write()).status, 200);
  // …unless B's own policies deny it that, explicitly.
  await iamB.send(new I.PutUserPolicyCommand({ UserName: 'erin', PolicyName: 'no-iam-policies', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'gatehouse:SetIamPolicy', Resource: '*' }] }) }));
  const r = await write();
  assert.equal(r.status, 403, JSON.stringify(r.json));
  assert.match(JSON.stringify(r.json), /explicit deny/);
});
