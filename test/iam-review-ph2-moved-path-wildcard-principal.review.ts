/**
 * Review ph, 2: a user moved to a path holding `*` or `?` (`UpdateUser --new-path /x*y/`, a path IAM allows: its pattern
 * is `/` or `/` then any printable ASCII then `/`, UpdateUser API reference) broke every trust and resource policy that
 * named it. The rename follow (src/app/forget-principal.ts `followRename`, docs/decisions.md "A user renamed is followed
 * by what named it", review K2) wrote the user's new ARN, path included, into each `Principal` —
 * `arn:aws:iam::A:user/x*y/u` — which the policy engine reads as a partial wildcard, an error: the whole policy failed
 * closed, so every other principal it named (here `v`) was refused the role ("explicit deny in the role trust policy"),
 * and the document GetRole answered could not be written back (MalformedPolicyDocument "has a partial wildcard"). A user
 * allowed only iam:UpdateUser on itself could so cut every colleague off the roles that trusted it. Now a principal
 * follows the user with its new name and without the path when the path holds `*` or `?`: the engine matches a user
 * principal by account and name whatever the path (src/app/principal-refs.ts), so it names the same user, and is a
 * principal IAM accepts (policy-semantics.md §A.1.5: no partial wildcards in Principal). Real server, SDK v3 (IAM, STS),
 * the /v1 client for a resource policy.
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { iamUserWith, startTestServer, type TestServer } from './support/server.ts';
import { connectionTo } from './support/processes.ts';

const ROOT = '000000000000';
const MAY_ASSUME = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] };
const trust = (arns: string[]) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: arns }, Action: 'sts:AssumeRole' }] });
let s: TestServer;
let iam: I.IAMClient;

before(async () => {
  s = await startTestServer();
  iam = s.iam();
});
after(async () => {
  await s?.stop();
});

const assume = (k: { accessKeyId: string; secretAccessKey: string }, role: string) => s.sts(k).send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/${role}`, RoleSessionName: 'ph2-session' }));

test('UpdateUser to a path with `*`: the trust policy still admits the user and the others it names, and reads back as a policy IAM accepts', async () => {
  const u = await iamUserWith(iam, 'mover', MAY_ASSUME);
  const v = await iamUserWith(iam, 'stayer', MAY_ASSUME);
  await iam.send(new I.CreateRoleCommand({ RoleName: 'shared', AssumeRolePolicyDocument: trust([`arn:aws:iam::${ROOT}:user/mover`, `arn:aws:iam::${ROOT}:user/stayer`]) }));
  await iam.send(new I.UpdateUserCommand({ UserName: 'mover', NewPath: '/x*y/' }));
  const doc = decodeURIComponent((await iam.send(new I.GetRoleCommand({ RoleName: 'shared' }))).Role?.AssumeRolePolicyDocument ?? '');
  assert.deepEqual(JSON.parse(doc).Statement[0].Principal.AWS, [`arn:aws:iam::${ROOT}:user/mover`, `arn:aws:iam::${ROOT}:user/stayer`]);
  assert.ok((await assume(v, 'shared')).Credentials?.AccessKeyId, 'the other user named keeps the role');
  assert.ok((await assume(u, 'shared')).Credentials?.AccessKeyId, 'the moved user keeps the role');
  await iam.send(new I.UpdateAssumeRolePolicyCommand({ RoleName: 'shared', PolicyDocument: doc }));
});

test('UpdateUser to a new name and a path with `?`: a resource policy naming the user follows it by name, and can be written back as read', async () => {
  await iam.send(new I.CreateUserCommand({ UserName: 'reader' }));
  const v1 = (method: string, path: string[], body?: unknown) => call(connectionTo(s.url, s.admin), method, path, body === undefined ? {} : { body });
  const resource = 'arn:aws:training:::model/ph2';
  const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: [`arn:aws:iam::${ROOT}:user/reader`, `arn:aws:iam::${ROOT}:root`] }, Action: 'training:GetModel', Resource: resource }] };
  const put = await v1('PUT', ['resource-policies', resource], { document: policy });
  assert.ok(put.ok, JSON.stringify(put));
  await iam.send(new I.UpdateUserCommand({ UserName: 'reader', NewUserName: 'viewer', NewPath: '/a?b/' }));
  const got = await v1('GET', ['resource-policies', resource]);
  assert.ok(got.ok, JSON.stringify(got));
  const stored = (got.value as { document: { Statement: { Principal: { AWS: string[] } }[] } }).document;
  assert.deepEqual(stored.Statement[0]?.Principal.AWS, [`arn:aws:iam::${ROOT}:user/viewer`, `arn:aws:iam::${ROOT}:root`]);
  const again = await v1('PUT', ['resource-policies', resource], { document: stored });
  assert.ok(again.ok, JSON.stringify(again));
});
