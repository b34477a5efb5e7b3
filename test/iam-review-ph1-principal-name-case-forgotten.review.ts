/**
 * Review ph, 1: a trust policy naming a user or role in another case than its own (`user/ALICE` for the user `alice`)
 * is accepted, as review Z3 decided (the principal exists: IAM names are unique without regard to case), but deleting
 * or renaming that user or role left it as written: `forgetPrincipal` and `followRename` (src/app/forget-principal.ts,
 * docs/decisions.md "A deleted user or role is forgotten by the policies that named it", review F3 and K2) matched the
 * name exactly. So once `alice` was deleted (or renamed), whoever could CreateUser made a user `ALICE` and assumed every
 * role whose trust policy named `user/ALICE`: the "grant waiting for whoever later creates a user under it" that Z3 and
 * F3 closed for the exact spelling. AWS stores a principal ARN as the entity's unique id when the policy is saved
 * ("the ARN changes to a unique principal ID when it's saved", https://repost.aws/knowledge-center/iam-resource-policy-format;
 * shared/reference/policy-semantics.md §A.1.5), so a user created later under the name gets nothing and a renamed one
 * keeps its grants. Now a deletion rewrites every spelling of the name to the unique id (trust and resource policies),
 * and a rename rewrites every spelling to the new ARN. Real server, SDK v3 (IAM, STS).
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { iamUserWith, sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const MAY_ASSUME = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] };
const trust = (arn: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: arn }, Action: 'sts:AssumeRole' }] });
const EC2 = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
let s: TestServer;
let iam: I.IAMClient;

before(async () => {
  s = await startTestServer();
  iam = s.iam();
});
after(async () => {
  await s?.stop();
});

const trustOf = async (role: string): Promise<string> => decodeURIComponent((await iam.send(new I.GetRoleCommand({ RoleName: role }))).Role?.AssumeRolePolicyDocument ?? '');
async function removeUser(name: string, keyId: string): Promise<void> {
  await iam.send(new I.DeleteUserPolicyCommand({ UserName: name, PolicyName: 'p' }));
  await iam.send(new I.DeleteAccessKeyCommand({ UserName: name, AccessKeyId: keyId }));
  await iam.send(new I.DeleteUserCommand({ UserName: name }));
}

test('DeleteUser: a trust policy naming the user in another case names its unique id; a user created under that spelling may not assume the role', async () => {
  const alice = await iamUserWith(iam, 'alice', MAY_ASSUME);
  const id = (await iam.send(new I.GetUserCommand({ UserName: 'alice' }))).User?.UserId as string;
  await iam.send(new I.CreateRoleCommand({ RoleName: 'upper', AssumeRolePolicyDocument: trust(`arn:aws:iam::${ROOT}:user/ALICE`) }));
  await removeUser('alice', alice.accessKeyId);
  assert.equal(JSON.parse(await trustOf('upper')).Statement[0].Principal.AWS, id);
  const stranger = await iamUserWith(iam, 'ALICE', MAY_ASSUME);
  const f = await sdkFailure(s.sts(stranger).send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/upper`, RoleSessionName: 'took-it' })));
  assert.deepEqual([f.code, f.status], ['AccessDenied', 403], f.message);
});

test('DeleteRole: a trust policy naming the role in another case names its unique id', async () => {
  const reader = await iam.send(new I.CreateRoleCommand({ RoleName: 'reader', AssumeRolePolicyDocument: EC2 }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'chained', AssumeRolePolicyDocument: trust(`arn:aws:iam::${ROOT}:role/Reader`) }));
  await iam.send(new I.DeleteRoleCommand({ RoleName: 'reader' }));
  assert.equal(JSON.parse(await trustOf('chained')).Statement[0].Principal.AWS, reader.Role?.RoleId);
});

test('UpdateUser: a trust policy naming the user in another case follows it to its new name; a user created under the old spelling may not assume the role', async () => {
  const carol = await iamUserWith(iam, 'carol', MAY_ASSUME);
  await iam.send(new I.CreateRoleCommand({ RoleName: 'renamed', AssumeRolePolicyDocument: trust(`arn:aws:iam::${ROOT}:user/Carol`) }));
  await iam.send(new I.UpdateUserCommand({ UserName: 'carol', NewUserName: 'dave' }));
  assert.equal(JSON.parse(await trustOf('renamed')).Statement[0].Principal.AWS, `arn:aws:iam::${ROOT}:user/dave`);
  const stranger = await iamUserWith(iam, 'Carol', MAY_ASSUME);
  const f = await sdkFailure(s.sts(stranger).send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/renamed`, RoleSessionName: 'took-it' })));
  assert.deepEqual([f.code, f.status], ['AccessDenied', 403], f.message);
  // The renamed user, whom the policy now names as it is spelt, may.
  const r = await s.sts(carol).send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/renamed`, RoleSessionName: 'own-grant' }));
  assert.ok(r.Credentials?.AccessKeyId);
});
