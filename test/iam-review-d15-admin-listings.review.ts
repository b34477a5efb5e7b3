/**
 * Review directory, two changes the IAM Query API's fixes needed in other files:
 * - D11 on the admin API: `GET /v1/users` and `GET /v1/roles` answered every user's and role's tags and permissions
 *   boundary after the listing's decision (iam:ListUsers / iam:ListRoles), so a caller denied `iam:GetUser` and
 *   `iam:ListUserTags` on a user read them from the listing. Listings now leave them out, as IAM's do (and as the Query
 *   API's ListUsers / ListRoles now do); `GET /v1/users/{name}` still answers them, decided on the user's ARN.
 * - D13 in `apply`: a Policy document's description was held to a role's printable Latin-1 rule, so `gatehouse apply`
 *   refused `description: 只读访问` that CreatePolicy takes (IAM's policyDescriptionType is any text of up to 1,000).
 * Real server; signed admin API calls.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ACCT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const BOUNDARY = `arn:aws:iam::${ACCT}:policy/bound`;

let s: TestServer;
let lister: { accessKeyId: string; secretAccessKey: string };

before(async () => {
  s = await startTestServer();
  const iam = s.iam();
  await iam.send(new I.CreatePolicyCommand({ PolicyName: 'bound', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) }));
  await iam.send(new I.CreateUserCommand({ UserName: 'boss', Path: '/protected/', Tags: [{ Key: 'clearance', Value: 'top-secret' }], PermissionsBoundary: BOUNDARY }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'vault', Path: '/protected/', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }), Tags: [{ Key: 'clearance', Value: 'top-secret' }], PermissionsBoundary: BOUNDARY }));
  await iam.send(new I.CreateUserCommand({ UserName: 'lister' }));
  await iam.send(
    new I.PutUserPolicyCommand({
      UserName: 'lister',
      PolicyName: 'list',
      PolicyDocument: doc(
        { Effect: 'Allow', Action: ['iam:ListUsers', 'iam:ListRoles'], Resource: '*' },
        { Effect: 'Deny', Action: ['iam:GetUser', 'iam:ListUserTags', 'iam:GetRole', 'iam:ListRoleTags'], Resource: [`arn:aws:iam::${ACCT}:user/protected/*`, `arn:aws:iam::${ACCT}:role/protected/*`] },
      ),
    }),
  );
  const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'lister' }));
  lister = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
});
after(async () => s?.stop());

test('GET /v1/users and /v1/roles list without tags and boundaries; reading them on the entity is still decided there', async () => {
  const users = await gatehouseJson(s.url, lister, 'GET', '/v1/users');
  assert.equal(users.status, 200, JSON.stringify(users.json));
  const boss = (users.json['users'] as Record<string, unknown>[]).find((u) => u['name'] === 'boss');
  assert.ok(boss, 'boss is listed');
  assert.equal(boss['arn'], `arn:aws:iam::${ACCT}:user/protected/boss`);
  assert.equal('tags' in boss, false, JSON.stringify(boss));
  assert.equal('permissionsBoundary' in boss, false, JSON.stringify(boss));
  assert.doesNotMatch(JSON.stringify(users.json), /top-secret/);
  const roles = await gatehouseJson(s.url, lister, 'GET', '/v1/roles');
  assert.equal(roles.status, 200, JSON.stringify(roles.json));
  const vault = (roles.json['roles'] as Record<string, unknown>[]).find((r) => r['name'] === 'vault');
  assert.ok(vault, 'vault is listed');
  assert.equal('tags' in vault || 'permissionsBoundary' in vault, false, JSON.stringify(vault));
  assert.doesNotMatch(JSON.stringify(roles.json), /top-secret/);
  // The lister may not read them on the user; the admin may.
  assert.equal((await gatehouseJson(s.url, lister, 'GET', '/v1/users/boss')).status, 403);
  const whole = await gatehouseJson(s.url, s.admin, 'GET', '/v1/users/boss');
  assert.equal(whole.status, 200, JSON.stringify(whole.json));
  assert.equal(whole.json['permissionsBoundary'], BOUNDARY);
  assert.match(JSON.stringify(whole.json['tags']), /top-secret/);
});

test('apply takes a Policy description in any script, as CreatePolicy does; a role keeps the Latin-1 rule', async () => {
  const policy = { apiVersion: 'gatehouse.dev/v1', kind: 'Policy', metadata: { name: 'read-oss' }, spec: { description: '只读访问 OSS — read only', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] } } };
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [policy] });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const got = await s.iam().send(new I.GetPolicyCommand({ PolicyArn: `arn:aws:iam::${ACCT}:policy/read-oss` }));
  assert.equal(got.Policy?.Description, '只读访问 OSS — read only');
  const role = { apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'r-desc' }, spec: { description: '只读', trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] } } };
  const refused = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [role] });
  assert.equal(refused.status, 400, JSON.stringify(refused.json));
  assert.match(JSON.stringify(refused.json), /spec\.description/);
});
