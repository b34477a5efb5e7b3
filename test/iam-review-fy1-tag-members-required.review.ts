/**
 * Review fy, 1: the IAM Query API read a tag without its `Value` as an empty value and stored it, and a TagUser,
 * TagRole or TagPolicy naming no tag at all (or an UntagUser naming no key) answered 200 having done nothing. IAM's
 * `Tag` shape requires both `Key` and `Value`, and those actions require their `Tags` / `TagKeys`: IAM answers
 * ValidationError ("Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null"). An SDK
 * v3 caller (no client-side validation) that left a value out got a tag it never asked for, and a call whose tag list
 * was lost on the way was reported done. Now each is that ValidationError and nothing is written; an empty Value
 * (`Value=`) is still a tag with an empty value. Real server, SDK v3.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
const DOC = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
const POLICY = 'arn:aws:iam::000000000000:policy/tagged';
let server: TestServer;
let iam: I.IAMClient;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'u', Tags: [{ Key: 'team', Value: 'ml' }] }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: TRUST, Tags: [{ Key: 'team', Value: 'ml' }] }));
  await iam.send(new I.CreatePolicyCommand({ PolicyName: 'tagged', PolicyDocument: DOC, Tags: [{ Key: 'team', Value: 'ml' }] }));
});
after(async () => {
  await server?.stop();
});

const noValue = [{ Key: 'owner' }] as I.Tag[];
const nullAt = (field: string) => new RegExp(`Value null at '${field.replace(/\./g, '\\.')}' failed to satisfy constraint: Member must not be null`);

async function refused(p: Promise<unknown>, field: string): Promise<void> {
  const f = await sdkFailure(p);
  assert.equal(f.code, 'ValidationError', f.message);
  assert.equal(f.status, 400);
  assert.match(f.message, nullAt(field));
}

const tagsOf = {
  user: async () => (await iam.send(new I.ListUserTagsCommand({ UserName: 'u' }))).Tags,
  role: async () => (await iam.send(new I.ListRoleTagsCommand({ RoleName: 'r' }))).Tags,
  policy: async () => (await iam.send(new I.ListPolicyTagsCommand({ PolicyArn: POLICY }))).Tags,
};
const ML = [{ Key: 'team', Value: 'ml' }];

test('a tag without its Value is ValidationError, and nothing is created or tagged', async () => {
  await refused(iam.send(new I.CreateUserCommand({ UserName: 'u2', Tags: noValue })), 'tags.1.member.value');
  assert.equal((await sdkFailure(iam.send(new I.GetUserCommand({ UserName: 'u2' })))).code, 'NoSuchEntity');
  await refused(iam.send(new I.CreateRoleCommand({ RoleName: 'r2', AssumeRolePolicyDocument: TRUST, Tags: [{ Key: 'a', Value: 'b' }, ...noValue] })), 'tags.2.member.value');
  assert.equal((await sdkFailure(iam.send(new I.GetRoleCommand({ RoleName: 'r2' })))).code, 'NoSuchEntity');
  await refused(iam.send(new I.CreatePolicyCommand({ PolicyName: 'p2', PolicyDocument: DOC, Tags: noValue })), 'tags.1.member.value');
  assert.equal((await sdkFailure(iam.send(new I.GetPolicyCommand({ PolicyArn: 'arn:aws:iam::000000000000:policy/p2' })))).code, 'NoSuchEntity');

  await refused(iam.send(new I.TagUserCommand({ UserName: 'u', Tags: noValue })), 'tags.1.member.value');
  await refused(iam.send(new I.TagRoleCommand({ RoleName: 'r', Tags: noValue })), 'tags.1.member.value');
  await refused(iam.send(new I.TagPolicyCommand({ PolicyArn: POLICY, Tags: noValue })), 'tags.1.member.value');
  await refused(iam.send(new I.TagUserCommand({ UserName: 'u', Tags: [{ Value: 'x' }] as I.Tag[] })), 'tags.1.member.key');
  assert.deepEqual(await tagsOf.user(), ML);
  assert.deepEqual(await tagsOf.role(), ML);
  assert.deepEqual(await tagsOf.policy(), ML);
});

test('TagUser, TagRole and TagPolicy without Tags, and their Untag without TagKeys, are ValidationError', async () => {
  await refused(iam.send(new I.TagUserCommand({ UserName: 'u' } as I.TagUserCommandInput)), 'tags');
  await refused(iam.send(new I.TagRoleCommand({ RoleName: 'r' } as I.TagRoleCommandInput)), 'tags');
  await refused(iam.send(new I.TagPolicyCommand({ PolicyArn: POLICY } as I.TagPolicyCommandInput)), 'tags');
  await refused(iam.send(new I.UntagUserCommand({ UserName: 'u' } as I.UntagUserCommandInput)), 'tagKeys');
  await refused(iam.send(new I.UntagRoleCommand({ RoleName: 'r' } as I.UntagRoleCommandInput)), 'tagKeys');
  await refused(iam.send(new I.UntagPolicyCommand({ PolicyArn: POLICY } as I.UntagPolicyCommandInput)), 'tagKeys');
  assert.deepEqual(await tagsOf.user(), ML);
});

test('an empty Value is still a tag with an empty value', async () => {
  await iam.send(new I.TagUserCommand({ UserName: 'u', Tags: [{ Key: 'flag', Value: '' }] }));
  assert.deepEqual(await tagsOf.user(), [{ Key: 'flag', Value: '' }, ...ML], 'listed by key (review ka, 1)');
  await iam.send(new I.UntagUserCommand({ UserName: 'u', TagKeys: ['flag'] }));
  assert.deepEqual(await tagsOf.user(), ML);
});
