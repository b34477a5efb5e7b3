/**
 * Review cg, 4: GetAccountAuthorizationDetails ignored MaxItems and Marker. It answered the whole account in one body
 * whatever MaxItems asked (MaxItems=2 got every user, group, role and policy with every version's document), took a
 * MaxItems out of 1–1000 and a Marker it never handed out, where IAM pages it as its other listings (default 100
 * items, the four lists counted together) and refuses both. Now it is paged as ListEntitiesForPolicy is: users, then
 * groups, then roles, then managed policies, MaxItems of them (100 by default) with IsTruncated and a Marker while more
 * follow; MaxItems outside 1–1000 and a foreign Marker are ValidationError. SDK v3 (its paginator) and boto3's
 * paginator read every entity exactly once.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { python3Script } from './support/aws-cli.ts';
import { boto3Missing, PYTHON as DEBIAN_PYTHON } from './support/processes.ts';

/** The tools' environment (Debian's, in /usr/bin; PYENV_ROOT kept for a machine whose PATH finds pyenv's shims). */
const toolEnv = (home?: string): NodeJS.ProcessEnv => ({ PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home ?? tmpdir(), PYENV_ROOT: process.env['PYENV_ROOT'] ?? join(homedir(), '.pyenv') });
const PYTHON = boto3Missing() === undefined ? DEBIAN_PYTHON : undefined;

const DOC = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] });
let server: TestServer;
let iam: I.IAMClient;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  for (const UserName of ['u1', 'u2', 'u3']) await iam.send(new I.CreateUserCommand({ UserName }));
  for (const GroupName of ['g1', 'g2']) await iam.send(new I.CreateGroupCommand({ GroupName }));
  for (const RoleName of ['r1', 'r2']) await iam.send(new I.CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: TRUST }));
  for (const PolicyName of ['p1', 'p2']) await iam.send(new I.CreatePolicyCommand({ PolicyName, PolicyDocument: DOC }));
});
after(async () => {
  await server?.stop();
});

type Details = I.GetAccountAuthorizationDetailsCommandOutput;
const namesOf = (d: Pick<Details, 'UserDetailList' | 'GroupDetailList' | 'RoleDetailList' | 'Policies'>): string[] => [
  ...(d.UserDetailList ?? []).map((u) => `user/${u.UserName}`),
  ...(d.GroupDetailList ?? []).map((g) => `group/${g.GroupName}`),
  ...(d.RoleDetailList ?? []).map((r) => `role/${r.RoleName}`),
  ...(d.Policies ?? []).map((p) => `policy/${p.PolicyName}`),
];

test('MaxItems bounds a page; the Marker gives the rest, each entity once', async () => {
  const whole = namesOf(await iam.send(new I.GetAccountAuthorizationDetailsCommand({})));
  // admin and the built-in policy it holds besides what the test made.
  assert.equal(whole.length, 11, whole.join(' '));
  const first = await iam.send(new I.GetAccountAuthorizationDetailsCommand({ MaxItems: 3 }));
  assert.equal(first.IsTruncated, true);
  assert.equal(namesOf(first).length, 3);
  assert.ok(first.Marker);
  const seen = [...namesOf(first)];
  let Marker: string | undefined = first.Marker;
  while (Marker) {
    const page: Details = await iam.send(new I.GetAccountAuthorizationDetailsCommand({ MaxItems: 3, Marker }));
    assert.ok(namesOf(page).length <= 3);
    seen.push(...namesOf(page));
    Marker = page.IsTruncated ? page.Marker : undefined;
  }
  assert.deepEqual(seen, whole);
});

test('the SDK v3 paginator reads every entity once', async () => {
  const seen: string[] = [];
  for await (const page of I.paginateGetAccountAuthorizationDetails({ client: iam, pageSize: 2 }, { Filter: ['User', 'Role'] })) seen.push(...namesOf(page));
  assert.deepEqual(seen, ['user/admin', 'user/u1', 'user/u2', 'user/u3', 'role/r1', 'role/r2']);
});

test('MaxItems out of 1–1000 and a Marker it did not hand out are ValidationError', async () => {
  assert.equal((await sdkFailure(iam.send(new I.GetAccountAuthorizationDetailsCommand({ MaxItems: 1001 })))).code, 'ValidationError');
  assert.equal((await sdkFailure(iam.send(new I.GetAccountAuthorizationDetailsCommand({ Marker: 'not-a-marker' })))).code, 'ValidationError');
  const users = await iam.send(new I.ListUsersCommand({ MaxItems: 1 }));
  assert.equal((await sdkFailure(iam.send(new I.GetAccountAuthorizationDetailsCommand({ Marker: users.Marker })))).code, 'ValidationError');
});

test('boto3\'s paginator reads every entity once', { skip: PYTHON ? false : 'boto3 is not installed (python3-boto3)' }, async () => {
  const script = `
import boto3, json, sys
iam = boto3.client('iam', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
full = iam.get_paginator('get_account_authorization_details').paginate(PaginationConfig={'PageSize': 2}).build_full_result()
print(json.dumps([len(full['UserDetailList']), len(full['GroupDetailList']), len(full['RoleDetailList']), len(full['Policies'])]))
`;
  const r = await python3Script(script, [server.url, server.admin.accessKeyId, server.admin.secretAccessKey], toolEnv());
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [4, 2, 2, 3]);
});
