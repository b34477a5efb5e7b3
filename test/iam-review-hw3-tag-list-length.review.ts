/**
 * Review hw, 3: a TagRole, TagUser, TagPolicy or TagOpenIDConnectProvider request naming more than 50 tags was
 * refused with LimitExceeded (409), the code of a quota, though IAM's API model allows at most 50 members in the
 * request's Tags (`tagListType`) and answers such a request with ValidationError (400), as Gatehouse already did for
 * CreateRole, CreateUser and CreatePolicy with 51 tags: the same list was a quota on one call and malformed on the
 * other, and a tool telling quotas apart (a retry policy, Terraform's provider) took a request it must not repeat for
 * a quota reached. Now a Tags list of over 50 members is ValidationError naming `tags` wherever IAM's Query API reads
 * one (TagOpenIDConnectProvider's too, read by the same code); merging tags past 50 on the entity (49 there, 2 more)
 * is still LimitExceeded, as IAM answers. Real server, SDK v3.
 * Before the fix 1 of 2 tests failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { sdkFailure } from './support/server.ts';
import { EC2_TRUST as TRUST, taggedEntities } from './support/tagged-entities.ts';

const tags = (n: number, prefix = 'k') => Array.from({ length: n }, (_, i) => ({ Key: `${prefix}${i}`, Value: 'v' }));
const world = taggedEntities();

test('51 tags in one TagRole, TagUser or TagPolicy request is ValidationError naming tags, as in CreateRole, and tags nothing', async () => {
  const { iam, policyArn } = world();
  const refusals = [
    await sdkFailure(iam.send(new I.TagRoleCommand({ RoleName: 'app', Tags: tags(51) }))),
    await sdkFailure(iam.send(new I.TagUserCommand({ UserName: 'dev', Tags: tags(51) }))),
    await sdkFailure(iam.send(new I.TagPolicyCommand({ PolicyArn: policyArn, Tags: tags(51) }))),
    await sdkFailure(iam.send(new I.CreateRoleCommand({ RoleName: 'other', AssumeRolePolicyDocument: TRUST, Tags: tags(51) }))),
  ];
  for (const r of refusals) {
    assert.equal(r.code, 'ValidationError', r.message);
    assert.equal(r.status, 400);
    assert.match(r.message, /'tags'/);
    assert.match(r.message, /50/);
  }
  assert.deepEqual(await world().tags(), { role: [], user: [], policy: [] });
});

test('50 in one request are taken; 2 more on an entity carrying 49 is still LimitExceeded', async () => {
  const { iam } = world();
  await iam.send(new I.TagRoleCommand({ RoleName: 'app', Tags: tags(50) }));
  assert.equal((await iam.send(new I.ListRoleTagsCommand({ RoleName: 'app' }))).Tags?.length, 50);
  await iam.send(new I.TagUserCommand({ UserName: 'dev', Tags: tags(49) }));
  const over = await sdkFailure(iam.send(new I.TagUserCommand({ UserName: 'dev', Tags: tags(2, 'n') })));
  assert.equal(over.code, 'LimitExceeded');
  assert.equal(over.status, 409);
  assert.equal((await iam.send(new I.ListUserTagsCommand({ UserName: 'dev' }))).Tags?.length, 49);
});
