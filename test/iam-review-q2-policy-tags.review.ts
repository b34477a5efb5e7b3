/**
 * Review Q, finding 2: ListPolicyTags, TagPolicy and UntagPolicy answered InvalidAction (`Could not find operation`),
 * as if IAM had no such operations. Managed policies carry no tags in Gatehouse (CreatePolicy refuses Tags, review
 * D14): ListPolicyTags now answers none for a policy the caller may read (NoSuchEntity for one that does not exist,
 * AccessDenied without the right), UntagPolicy has nothing to remove and succeeds as IAM's does for a key the policy
 * does not carry. (TagPolicy was refused saying why; since review Q2, q3, policies carry tags: see
 * test/iam-review-q3-policy-tags.review.ts.) SDK v3 and boto3.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';
import { python3Script } from './support/aws-cli.ts';
import { boto3Missing } from './support/processes.ts';

const DOC = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
let server: TestServer;
let iam: I.IAMClient;
let nobody: I.IAMClient;
let PolicyArn: string;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  PolicyArn = (await iam.send(new I.CreatePolicyCommand({ PolicyName: 'p', PolicyDocument: DOC }))).Policy?.Arn as string;
  await iam.send(new I.CreateUserCommand({ UserName: 'nobody' }));
  const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'nobody' }))).AccessKey as I.AccessKey;
  nobody = server.iam({ accessKeyId: k.AccessKeyId as string, secretAccessKey: k.SecretAccessKey as string });
});
after(async () => {
  await server?.stop();
});

test('ListPolicyTags answers none for a policy without tags; UntagPolicy of an absent key succeeds', async () => {
  const listed = await iam.send(new I.ListPolicyTagsCommand({ PolicyArn }));
  assert.deepEqual([listed.Tags, listed.IsTruncated], [[], false]);
  await iam.send(new I.UntagPolicyCommand({ PolicyArn, TagKeys: ['env'] }));
  assert.deepEqual((await iam.send(new I.ListPolicyTagsCommand({ PolicyArn }))).Tags, []);
  // Since review Q2 (q3) TagPolicy keeps tags: test/iam-review-q3-policy-tags.review.ts.
});

test('they are checked and decided as the other policy reads and writes are', async () => {
  const missing = 'arn:aws:iam::000000000000:policy/nope';
  assert.equal((await sdkFailure(iam.send(new I.ListPolicyTagsCommand({ PolicyArn: missing })))).code, 'NoSuchEntity');
  assert.equal((await sdkFailure(iam.send(new I.UntagPolicyCommand({ PolicyArn: missing, TagKeys: ['env'] })))).code, 'NoSuchEntity');
  assert.equal((await sdkFailure(iam.send(new I.UntagPolicyCommand({ PolicyArn, TagKeys: ['a&b'] })))).code, 'ValidationError');
  for (const c of [new I.ListPolicyTagsCommand({ PolicyArn }), new I.UntagPolicyCommand({ PolicyArn, TagKeys: ['env'] }), new I.TagPolicyCommand({ PolicyArn, Tags: [{ Key: 'env', Value: 'x' }] })]) {
    assert.equal((await sdkFailure(nobody.send(c as never))).code, 'AccessDenied', c.constructor.name);
  }
});

test('boto3 reads the empty listing', { skip: boto3Missing() }, async () => {
  const script = `
import boto3, json, sys
iam = boto3.client('iam', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
print(json.dumps(iam.list_policy_tags(PolicyArn=sys.argv[4])['Tags']))
`;
  const r = await python3Script(script, [server.url, server.admin.accessKeyId, server.admin.secretAccessKey, PolicyArn], { PATH: process.env['PATH'] ?? '' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), '[]');
});
