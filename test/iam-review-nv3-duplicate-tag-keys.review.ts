/**
 * Review nv, 3: a request whose Tags name one key twice, in any case (`team` and `Team`: IAM's tag keys are
 * case-insensitive), is refused by IAM with InvalidInput (400) "Duplicate tag keys found. Please note that Tag keys are
 * case insensitive." — the code and words that Terraform, kops, the Serverless Framework and CloudFormation users meet
 * (terraform-aws-github-runner#1346, kops#11727, serverless#7885: `Error Code: InvalidInput`), the modeled
 * InvalidInputException of CreateRole, TagRole and the rest, which SDK v3 raises and clients catch. Gatehouse's Query API
 * answered ValidationError ("tag key `Team` is given twice"), an error IAM's model does not give these operations, so a
 * client catching InvalidInputException missed it. Now CreateUser, CreateRole, CreatePolicy, TagUser, TagRole and
 * TagPolicy answer IAM's InvalidInput in its words, and store nothing; tags given one request at a time still replace
 * the key of another case, as IAM does. Real server, SDK v3.
 * Before the fix 2 of 3 tests failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { sdkException } from './support/server.ts';
import { EC2_TRUST as TRUST, READ_DOC as DOC, taggedEntities } from './support/tagged-entities.ts';

const TWICE = [{ Key: 'team', Value: 'ml' }, { Key: 'Team', Value: 'infra' }];
const WORDS = 'Duplicate tag keys found. Please note that Tag keys are case insensitive.';
const world = taggedEntities();

test('TagRole, TagUser and TagPolicy with one key twice are InvalidInput in IAM\'s words, and tag nothing', async () => {
  const { iam, policyArn } = world();
  for (const p of [
    iam.send(new I.TagRoleCommand({ RoleName: 'app', Tags: TWICE })),
    iam.send(new I.TagUserCommand({ UserName: 'dev', Tags: TWICE })),
    iam.send(new I.TagPolicyCommand({ PolicyArn: policyArn, Tags: TWICE })),
  ]) {
    const e = await sdkException(p);
    assert.equal(e.name, 'InvalidInputException', e.message);
    assert.equal(e.code, 'InvalidInput');
    assert.equal(e.status, 400);
    assert.equal(e.message, WORDS);
  }
  assert.deepEqual(await world().tags(), { role: [], user: [], policy: [] });
});

test('CreateRole, CreateUser and CreatePolicy with one key twice are InvalidInput, and create nothing', async () => {
  const { iam } = world();
  for (const p of [
    iam.send(new I.CreateRoleCommand({ RoleName: 'other', AssumeRolePolicyDocument: TRUST, Tags: TWICE })),
    iam.send(new I.CreateUserCommand({ UserName: 'other', Tags: TWICE })),
    iam.send(new I.CreatePolicyCommand({ PolicyName: 'other', PolicyDocument: DOC, Tags: TWICE })),
  ]) {
    const e = await sdkException(p);
    assert.equal(e.name, 'InvalidInputException', e.message);
    assert.equal(e.message, WORDS);
  }
  assert.deepEqual((await iam.send(new I.ListRolesCommand({}))).Roles?.map((r) => r.RoleName), ['app']);
  assert.equal((await iam.send(new I.ListUsersCommand({}))).Users?.some((u) => u.UserName === 'other'), false);
});

test('one request at a time, the key of another case replaces the tag, as IAM does', async () => {
  const { iam } = world();
  await iam.send(new I.TagRoleCommand({ RoleName: 'app', Tags: [{ Key: 'Env', Value: 'dev' }] }));
  await iam.send(new I.TagRoleCommand({ RoleName: 'app', Tags: [{ Key: 'env', Value: 'prod' }] }));
  assert.deepEqual((await iam.send(new I.ListRoleTagsCommand({ RoleName: 'app' }))).Tags, [{ Key: 'env', Value: 'prod' }]);
});
