/**
 * Review ib, 1: ListEntitiesForPolicy's EntityFilter takes IAM's EntityType, which also holds `LocalManagedPolicy` and
 * `AWSManagedPolicy` (the values GetAccountAuthorizationDetails filters on). Gatehouse read either of them as "no
 * filter" and answered every user, group and role the policy is attached to. IAM filters the entities by their type,
 * and no user, group or role is of either policy type: it answers three empty lists (IsTruncated false), as recorded
 * against AWS for a customer managed policy attached to a user, a group and a role. The values are still checked
 * against the enum, and the policy still has to exist. Real server, SDK v3.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const DOC = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
const LOCAL = `arn:aws:iam::${ROOT}:policy/shared`;
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' }] });
let server: TestServer;
let iam: I.IAMClient;
let awsArn: string;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  await iam.send(new I.CreatePolicyCommand({ PolicyName: 'shared', PolicyDocument: DOC }));
  awsArn = (await iam.send(new I.ListPoliciesCommand({ Scope: 'AWS', MaxItems: 1 }))).Policies?.[0]?.Arn as string;
  await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
  await iam.send(new I.CreateGroupCommand({ GroupName: 'devs' }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'runner', AssumeRolePolicyDocument: TRUST }));
  for (const PolicyArn of [LOCAL, awsArn]) {
    await iam.send(new I.AttachUserPolicyCommand({ UserName: 'alice', PolicyArn }));
    await iam.send(new I.AttachGroupPolicyCommand({ GroupName: 'devs', PolicyArn }));
    await iam.send(new I.AttachRolePolicyCommand({ RoleName: 'runner', PolicyArn }));
  }
});
after(async () => {
  await server?.stop();
});

const names = (r: I.ListEntitiesForPolicyCommandOutput) => ({
  users: (r.PolicyUsers ?? []).map((u) => u.UserName),
  groups: (r.PolicyGroups ?? []).map((g) => g.GroupName),
  roles: (r.PolicyRoles ?? []).map((x) => x.RoleName),
});

test('without a filter, and with Role, the attached entities are listed', async () => {
  assert.deepEqual(names(await iam.send(new I.ListEntitiesForPolicyCommand({ PolicyArn: LOCAL }))), { users: ['alice'], groups: ['devs'], roles: ['runner'] });
  assert.deepEqual(names(await iam.send(new I.ListEntitiesForPolicyCommand({ PolicyArn: LOCAL, EntityFilter: 'Role' }))), { users: [], groups: [], roles: ['runner'] });
});

test('EntityFilter LocalManagedPolicy or AWSManagedPolicy lists no user, group or role, of either kind of policy', async () => {
  for (const PolicyArn of [LOCAL, awsArn]) {
    for (const EntityFilter of ['LocalManagedPolicy', 'AWSManagedPolicy'] as const) {
      const r = await iam.send(new I.ListEntitiesForPolicyCommand({ PolicyArn, EntityFilter }));
      assert.deepEqual(names(r), { users: [], groups: [], roles: [] }, `${EntityFilter} on ${PolicyArn}`);
      assert.equal(r.IsTruncated, false);
      // The same with the boundary usage, which users and roles can carry.
      const b = await iam.send(new I.ListEntitiesForPolicyCommand({ PolicyArn, EntityFilter, PolicyUsageFilter: 'PermissionsBoundary' }));
      assert.deepEqual(names(b), { users: [], groups: [], roles: [] });
    }
  }
});

test('the policy must still exist under those filters', async () => {
  const f = await sdkFailure(iam.send(new I.ListEntitiesForPolicyCommand({ PolicyArn: `arn:aws:iam::${ROOT}:policy/ghost`, EntityFilter: 'LocalManagedPolicy' })));
  assert.equal(f.code, 'NoSuchEntity');
});
