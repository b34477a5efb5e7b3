/**
 * Review nv, 1: IAM's tag key holds up to 128 and its value up to 256 Unicode characters ("Maximum key length – 128
 * Unicode characters in UTF-8; maximum value length – 256 Unicode characters in UTF-8", AWS tagging restrictions; the
 * IAM API reference's `Tag` gives lengths 1–128 and 0–256, which the AWS API models count in Unicode characters), and a
 * managed policy's Description up to 1,000 characters of any script (`policyDescriptionType`). Gatehouse counted
 * UTF-16 units: a character above U+FFFF (the CJK letters of Extension B such as `𠀀`, which the tag pattern's `\p{L}`
 * takes) counted two, so TagRole, TagUser, TagPolicy and CreateRole refused a key of 65 such letters and a value of 129
 * as ValidationError ("must be 1–128 letters"), UntagRole refused to name such a key, and CreatePolicy a description of
 * 501 — all within IAM's limits, as the S3 gateway already counts its tags (src/adapters/s3/tags.ts). Now lengths are
 * counted in characters; 129 (257, 1,001) are still refused. Real server, SDK v3.
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';
import { EC2_TRUST, READ_DOC } from './support/tagged-entities.ts';

/** U+20000, a letter (Lo) of CJK Extension B: one character, two UTF-16 units. */
const WIDE = '\u{20000}';
const key128 = WIDE.repeat(128);
const value256 = WIDE.repeat(256);
let server: TestServer;
let iam: I.IAMClient;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'dev' }));
  await iam.send(new I.CreateUserCommand({ UserName: 'ops' }));
});
after(async () => {
  await server?.stop();
});

test('a tag key of 128 and a value of 256 characters above U+FFFF are taken by CreateRole, TagRole, TagUser and UntagRole', async () => {
  await iam.send(new I.CreateRoleCommand({ RoleName: 'app', AssumeRolePolicyDocument: EC2_TRUST, Tags: [{ Key: key128, Value: value256 }] }));
  assert.deepEqual((await iam.send(new I.ListRoleTagsCommand({ RoleName: 'app' }))).Tags, [{ Key: key128, Value: value256 }]);
  await iam.send(new I.TagRoleCommand({ RoleName: 'app', Tags: [{ Key: `k${WIDE.repeat(100)}`, Value: WIDE.repeat(200) }] }));
  await iam.send(new I.TagUserCommand({ UserName: 'dev', Tags: [{ Key: key128, Value: value256 }] }));
  assert.deepEqual((await iam.send(new I.ListUserTagsCommand({ UserName: 'dev' }))).Tags, [{ Key: key128, Value: value256 }]);
  await iam.send(new I.UntagRoleCommand({ RoleName: 'app', TagKeys: [key128] }));
  assert.deepEqual((await iam.send(new I.ListRoleTagsCommand({ RoleName: 'app' }))).Tags?.map((t) => t.Key), [`k${WIDE.repeat(100)}`]);
});

test('a managed policy takes such tags and a description of 1,000 such characters', async () => {
  const made = await iam.send(new I.CreatePolicyCommand({ PolicyName: 'wide', PolicyDocument: READ_DOC, Description: WIDE.repeat(1000), Tags: [{ Key: key128, Value: value256 }] }));
  const got = (await iam.send(new I.GetPolicyCommand({ PolicyArn: made.Policy?.Arn }))).Policy;
  assert.equal(got?.Description, WIDE.repeat(1000));
  assert.deepEqual(got?.Tags, [{ Key: key128, Value: value256 }]);
  await iam.send(new I.TagPolicyCommand({ PolicyArn: made.Policy?.Arn, Tags: [{ Key: `x${WIDE.repeat(127)}`, Value: '' }] }));
});

test('one character more is still refused, and nothing is written', async () => {
  const refusals = [
    await sdkFailure(iam.send(new I.TagUserCommand({ UserName: 'ops', Tags: [{ Key: WIDE.repeat(129), Value: 'v' }] }))),
    await sdkFailure(iam.send(new I.TagUserCommand({ UserName: 'ops', Tags: [{ Key: 'k', Value: WIDE.repeat(257) }] }))),
    await sdkFailure(iam.send(new I.UntagUserCommand({ UserName: 'ops', TagKeys: [WIDE.repeat(129)] }))),
    await sdkFailure(iam.send(new I.CreatePolicyCommand({ PolicyName: 'wider', PolicyDocument: READ_DOC, Description: WIDE.repeat(1001) }))),
  ];
  for (const r of refusals) {
    assert.equal(r.code, 'ValidationError', r.message);
    assert.equal(r.status, 400);
  }
  assert.deepEqual((await iam.send(new I.ListUserTagsCommand({ UserName: 'ops' }))).Tags, []);
  assert.equal((await iam.send(new I.ListPoliciesCommand({ Scope: 'Local' }))).Policies?.some((p) => p.PolicyName === 'wider'), false);
});
