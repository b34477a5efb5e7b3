/**
 * Review ka, 1: ListUserTags, ListRoleTags and ListPolicyTags answered a resource's tags in the order they were
 * added, where IAM answers them sorted by tag key ("The returned list of tags is sorted by tag key", the API reference
 * of each). A script reading `aws iam list-role-tags` page by page, or comparing it with what it expects, saw another
 * order than on AWS, and a tag added later came last instead of in its place. Now each of them (and
 * ListOpenIDConnectProviderTags, which shares the listing) answers its tags ordered by key, compared without regard to
 * case (IAM's tag keys are case-insensitive), across pages too. Real server, SDK v3.
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let iam: I.IAMClient;

const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
const tag = (Key: string) => ({ Key, Value: `v-${Key}` });
/** Added in this order: first on creation, then one by one, so that neither the first nor the last is first by key. */
const FIRST = ['team', 'Cost-center', 'zone'];
const LATER = ['app', 'env'];
const SORTED = ['app', 'Cost-center', 'env', 'team', 'zone'];
let policyArn = '';

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'tagged', Tags: FIRST.map(tag) }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'tagged', AssumeRolePolicyDocument: trust, Tags: FIRST.map(tag) }));
  policyArn = (await iam.send(new I.CreatePolicyCommand({ PolicyName: 'tagged', PolicyDocument: doc, Tags: FIRST.map(tag) }))).Policy?.Arn ?? '';
  for (const key of LATER) {
    await iam.send(new I.TagUserCommand({ UserName: 'tagged', Tags: [tag(key)] }));
    await iam.send(new I.TagRoleCommand({ RoleName: 'tagged', Tags: [tag(key)] }));
    await iam.send(new I.TagPolicyCommand({ PolicyArn: policyArn, Tags: [tag(key)] }));
  }
});
after(async () => {
  await server?.stop();
});

test('ListUserTags, ListRoleTags and ListPolicyTags answer the tags sorted by key', async () => {
  const keys = (tags: I.Tag[] | undefined) => (tags ?? []).map((t) => t.Key);
  assert.deepEqual(keys((await iam.send(new I.ListUserTagsCommand({ UserName: 'tagged' }))).Tags), SORTED);
  assert.deepEqual(keys((await iam.send(new I.ListRoleTagsCommand({ RoleName: 'tagged' }))).Tags), SORTED);
  assert.deepEqual(keys((await iam.send(new I.ListPolicyTagsCommand({ PolicyArn: policyArn }))).Tags), SORTED);
});

test('a value replaced keeps the tag in its place by key', async () => {
  await iam.send(new I.TagUserCommand({ UserName: 'tagged', Tags: [{ Key: 'app', Value: 'new' }] }));
  const tags = (await iam.send(new I.ListUserTagsCommand({ UserName: 'tagged' }))).Tags ?? [];
  assert.deepEqual(tags.map((t) => t.Key), SORTED);
  assert.equal(tags[0]?.Value, 'new');
});

test('pages follow the same order, each tag once', async () => {
  const seen: string[] = [];
  let marker: string | undefined;
  do {
    const page = await iam.send(new I.ListRoleTagsCommand({ RoleName: 'tagged', MaxItems: 2, ...(marker ? { Marker: marker } : {}) }));
    seen.push(...(page.Tags ?? []).map((t) => t.Key ?? ''));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  assert.deepEqual(seen, SORTED);
});
