/**
 * Review fo, 3: a clean-up loop that deletes each item of a page before asking for the next (boto3's paginators and
 * SDK v3's are lazy: the next page is asked for once the loop is done with this one) left items behind in
 * ListPolicies, ListEntitiesForPolicy, GetAccountAuthorizationDetails, ListPolicyVersions and ListAccessKeys. Their
 * Marker named the last item given by a unique id, in no order; that item deleted, the next page started at the
 * index the Marker held, which counts the items deleted before it too, so as many items as the loop had deleted were
 * skipped: deleting 6 policies 2 a page deleted 4 and ended, and IsTruncated said there was nothing more. Listings
 * keyed by name (ListUsers, ListRoles…) started at the first name after the deleted one and skipped nothing. Now each
 * of these listings keys its items in its own order (built-in policies then the account's, each by name; groups,
 * users, then roles by name; versions newest first; keys oldest first), so its next page starts after the deleted
 * item's place, as the name-keyed listings do. Real server; boto3's paginators and SDK v3's.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { python3Script } from './support/aws-cli.ts';
import { boto3Missing } from './support/processes.ts';

const doc = (action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });
let server: TestServer;
let iam: I.IAMClient;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
});
after(async () => {
  await server?.stop();
});

test('ListPolicies: deleting each policy of a page before the next deletes them all (SDK v3 paginator)', async () => {
  for (const n of ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6']) await iam.send(new I.CreatePolicyCommand({ PolicyName: n, Path: '/cleanup/', PolicyDocument: doc('s3:GetObject') }));
  const deleted: string[] = [];
  for await (const page of I.paginateListPolicies({ client: iam, pageSize: 2 }, { Scope: 'Local', PathPrefix: '/cleanup/' })) {
    for (const p of page.Policies ?? []) {
      await iam.send(new I.DeletePolicyCommand({ PolicyArn: p.Arn }));
      deleted.push(p.PolicyName as string);
    }
  }
  assert.deepEqual(deleted, ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6']);
  assert.deepEqual((await iam.send(new I.ListPoliciesCommand({ Scope: 'Local', PathPrefix: '/cleanup/' }))).Policies, []);
});

test('ListPolicies with Scope All: the built-in policies, then the account\'s, each once, while the account\'s are deleted', async () => {
  for (const n of ['d0', 'd1', 'd2']) await iam.send(new I.CreatePolicyCommand({ PolicyName: n, PolicyDocument: doc('s3:GetObject') }));
  const builtins = (await iam.send(new I.ListPoliciesCommand({ Scope: 'AWS' }))).Policies?.map((p) => p.PolicyName) ?? [];
  assert.ok(builtins.length > 2);
  const seen: string[] = [];
  for await (const page of I.paginateListPolicies({ client: iam, pageSize: 2 }, { Scope: 'All' })) {
    for (const p of page.Policies ?? []) {
      seen.push(p.PolicyName as string);
      if ((p.Arn as string).includes(':000000000000:policy/')) await iam.send(new I.DeletePolicyCommand({ PolicyArn: p.Arn }));
    }
  }
  assert.deepEqual(seen, [...builtins, 'd0', 'd1', 'd2']);
});

test('ListEntitiesForPolicy: detaching each entity of a page before the next detaches them all', async () => {
  const arn = (await iam.send(new I.CreatePolicyCommand({ PolicyName: 'shared', PolicyDocument: doc('s3:GetObject') }))).Policy?.Arn as string;
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
  for (const g of ['g-a', 'G-b']) {
    await iam.send(new I.CreateGroupCommand({ GroupName: g }));
    await iam.send(new I.AttachGroupPolicyCommand({ GroupName: g, PolicyArn: arn }));
  }
  for (const u of ['u_a', 'U-b', 'u-c']) {
    await iam.send(new I.CreateUserCommand({ UserName: u }));
    await iam.send(new I.AttachUserPolicyCommand({ UserName: u, PolicyArn: arn }));
  }
  for (const r of ['r-a', 'r-b']) {
    await iam.send(new I.CreateRoleCommand({ RoleName: r, AssumeRolePolicyDocument: trust }));
    await iam.send(new I.AttachRolePolicyCommand({ RoleName: r, PolicyArn: arn }));
  }
  const detached: string[] = [];
  for await (const page of I.paginateListEntitiesForPolicy({ client: iam, pageSize: 2 }, { PolicyArn: arn })) {
    for (const g of page.PolicyGroups ?? []) await iam.send(new I.DetachGroupPolicyCommand({ GroupName: g.GroupName, PolicyArn: arn })), detached.push(`group ${g.GroupName}`);
    for (const u of page.PolicyUsers ?? []) await iam.send(new I.DetachUserPolicyCommand({ UserName: u.UserName, PolicyArn: arn })), detached.push(`user ${u.UserName}`);
    for (const r of page.PolicyRoles ?? []) await iam.send(new I.DetachRolePolicyCommand({ RoleName: r.RoleName, PolicyArn: arn })), detached.push(`role ${r.RoleName}`);
  }
  // Groups, users, then roles, each by name without regard to case (bytewise, as the store orders names: `-` before `_`).
  assert.deepEqual(detached, ['group g-a', 'group G-b', 'user U-b', 'user u-c', 'user u_a', 'role r-a', 'role r-b']);
  assert.equal((await iam.send(new I.GetPolicyCommand({ PolicyArn: arn }))).Policy?.AttachmentCount, 0);
  await iam.send(new I.DeletePolicyCommand({ PolicyArn: arn }));
});

test('GetAccountAuthorizationDetails: deleting each user of a page before the next reads every user and group', async () => {
  for (const u of ['t1', 't2', 't3', 't4', 't5']) await iam.send(new I.CreateUserCommand({ UserName: u, Path: '/temp/' }));
  const users: string[] = [];
  const groups: string[] = [];
  for await (const page of I.paginateGetAccountAuthorizationDetails({ client: iam, pageSize: 2 }, { Filter: ['User', 'Group'] })) {
    for (const u of page.UserDetailList ?? []) {
      users.push(u.UserName as string);
      if (u.Path === '/temp/') await iam.send(new I.DeleteUserCommand({ UserName: u.UserName }));
    }
    for (const g of page.GroupDetailList ?? []) groups.push(g.GroupName as string);
  }
  for (const u of ['t1', 't2', 't3', 't4', 't5']) assert.ok(users.includes(u), `${u} in ${users.join(', ')}`);
  assert.deepEqual(groups, ['g-a', 'G-b']);
  assert.deepEqual((await iam.send(new I.ListUsersCommand({ PathPrefix: '/temp/' }))).Users, []);
});

test('ListPolicyVersions and ListAccessKeys: one item a page, each deleted before the next, leaves none behind', async () => {
  const arn = (await iam.send(new I.CreatePolicyCommand({ PolicyName: 'versions', PolicyDocument: doc('s3:GetObject') }))).Policy?.Arn as string;
  for (const a of ['s3:PutObject', 's3:ListBucket', 's3:DeleteObject', 's3:GetBucketPolicy']) await iam.send(new I.CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc(a) }));
  const seen: string[] = [];
  for await (const page of I.paginateListPolicyVersions({ client: iam, pageSize: 1 }, { PolicyArn: arn })) {
    for (const v of page.Versions ?? []) {
      seen.push(v.VersionId as string);
      if (v.IsDefaultVersion !== true) await iam.send(new I.DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: v.VersionId }));
    }
  }
  assert.deepEqual(seen, ['v5', 'v4', 'v3', 'v2', 'v1']);
  assert.deepEqual((await iam.send(new I.ListPolicyVersionsCommand({ PolicyArn: arn }))).Versions?.map((v) => v.VersionId), ['v1']);

  await iam.send(new I.CreateUserCommand({ UserName: 'keyed' }));
  const made = [];
  for (let i = 0; i < 2; i++) made.push((await iam.send(new I.CreateAccessKeyCommand({ UserName: 'keyed' }))).AccessKey?.AccessKeyId);
  const gone: string[] = [];
  for await (const page of I.paginateListAccessKeys({ client: iam, pageSize: 1 }, { UserName: 'keyed' })) {
    for (const k of page.AccessKeyMetadata ?? []) {
      await iam.send(new I.DeleteAccessKeyCommand({ UserName: 'keyed', AccessKeyId: k.AccessKeyId }));
      gone.push(k.AccessKeyId as string);
    }
  }
  assert.deepEqual([...gone].sort(), [...made].sort());
});

test('boto3: a delete-as-you-go loop over list_policies deletes every policy', { skip: boto3Missing() }, async () => {
  const script = [
    'import boto3, json, sys',
    "c = boto3.client('iam', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])",
    "d = json.dumps({'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': 's3:GetObject', 'Resource': '*'}]})",
    "for i in range(6): c.create_policy(PolicyName='b%d' % i, Path='/boto/', PolicyDocument=d)",
    'n = 0',
    "for page in c.get_paginator('list_policies').paginate(Scope='Local', PathPrefix='/boto/', PaginationConfig={'PageSize': 2}):",
    "    for p in page['Policies']:",
    "        c.delete_policy(PolicyArn=p['Arn']); n += 1",
    "print(n, len(c.list_policies(Scope='Local', PathPrefix='/boto/')['Policies']))",
  ].join('\n');
  const r = await python3Script(script, [server.url, server.admin.accessKeyId, server.admin.secretAccessKey], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: tmpdir(), AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), '6 0');
});
