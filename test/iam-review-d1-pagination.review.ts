/**
 * Review D, finding 1: IAM listings page with `MaxItems` and `Marker` as AWS does. Before, every listing but the
 * simulations answered everything with IsTruncated false whatever MaxItems asked (ListUsers MaxItems=1 gave all 5,000
 * users), took any Marker, and a MaxItems of 1001 passed. Now: at most MaxItems items (100 when absent, IAM's default),
 * IsTruncated and an opaque Marker (at most 320 characters, as IAM's) that resumes after the last item given (an item deleted before it skips nothing),
 * and a Marker of another listing or one tampered with is ValidationError. Driven by the real SDK v3 (its paginators)
 * and, when installed, the aws CLI's own pagination (`--page-size`).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { REGION, sdkFailure, startTestServer, type TestServer } from './support/server.ts';
import { awsCli } from './support/aws-cli.ts';
import { awsCliMissing } from './support/processes.ts';

const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });

let server: TestServer;
let iam: I.IAMClient;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  for (let i = 0; i < 100; i++) await iam.send(new I.CreateUserCommand({ UserName: `user-${String(i).padStart(3, '0')}` }));
});
after(async () => {
  await server?.stop();
});

const names = (us: readonly I.User[] | undefined) => (us ?? []).map((u) => u.UserName);

describe('IAM listings page with MaxItems and Marker (review D1)', () => {
  test('MaxItems bounds a page; the Marker resumes after it; absent, pages are 100 long', async () => {
    const all = ['admin', ...Array.from({ length: 100 }, (_, i) => `user-${String(i).padStart(3, '0')}`)];
    const first = await iam.send(new I.ListUsersCommand({ MaxItems: 3 }));
    assert.deepEqual(names(first.Users), all.slice(0, 3));
    assert.equal(first.IsTruncated, true);
    assert.ok(first.Marker);
    const second = await iam.send(new I.ListUsersCommand({ MaxItems: 3, Marker: first.Marker }));
    assert.deepEqual(names(second.Users), all.slice(3, 6));

    const unbounded = await iam.send(new I.ListUsersCommand({}));
    assert.equal(unbounded.Users?.length, 100);
    assert.equal(unbounded.IsTruncated, true);
    const rest = await iam.send(new I.ListUsersCommand({ Marker: unbounded.Marker }));
    assert.deepEqual(names(rest.Users), ['user-099']);
    assert.equal(rest.IsTruncated, false);
    assert.equal(rest.Marker, undefined);

    // The SDK's paginator walks every page: each user once.
    const seen: string[] = [];
    for await (const page of I.paginateListUsers({ client: iam, pageSize: 7 }, {})) seen.push(...names(page.Users).map(String));
    assert.deepEqual(seen, all);
  });

  test('an item deleted before the Marker neither repeats nor skips one', async () => {
    await iam.send(new I.CreateGroupCommand({ GroupName: 'g' }));
    for (const u of ['user-000', 'user-001', 'user-002', 'user-003', 'user-004']) await iam.send(new I.AddUserToGroupCommand({ GroupName: 'g', UserName: u }));
    const first = await iam.send(new I.GetGroupCommand({ GroupName: 'g', MaxItems: 2 }));
    assert.deepEqual(names(first.Users), ['user-000', 'user-001']);
    assert.equal(first.Group?.GroupName, 'g');
    await iam.send(new I.RemoveUserFromGroupCommand({ GroupName: 'g', UserName: 'user-000' }));
    const second = await iam.send(new I.GetGroupCommand({ GroupName: 'g', MaxItems: 2, Marker: first.Marker }));
    assert.deepEqual(names(second.Users), ['user-002', 'user-003']);
    // The last item given is gone too: the next page starts after where it sorted.
    await iam.send(new I.RemoveUserFromGroupCommand({ GroupName: 'g', UserName: 'user-003' }));
    const third = await iam.send(new I.GetGroupCommand({ GroupName: 'g', MaxItems: 2, Marker: second.Marker }));
    assert.deepEqual(names(third.Users), ['user-004']);
    assert.equal(third.IsTruncated, false);
  });

  test('tags, policy versions, attached and inline policies, access keys page too', async () => {
    const Tags = Array.from({ length: 5 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    await iam.send(new I.TagUserCommand({ UserName: 'user-010', Tags }));
    const tags: string[] = [];
    for await (const page of I.paginateListUserTags({ client: iam, pageSize: 2 }, { UserName: 'user-010' })) {
      assert.ok((page.Tags?.length ?? 0) <= 2);
      tags.push(...(page.Tags ?? []).map((t) => String(t.Key)));
    }
    assert.deepEqual(tags, Tags.map((t) => t.Key));

    const arn = (await iam.send(new I.CreatePolicyCommand({ PolicyName: 'paged', PolicyDocument: doc }))).Policy!.Arn!;
    for (let i = 0; i < 3; i++) await iam.send(new I.CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc }));
    const v = await iam.send(new I.ListPolicyVersionsCommand({ PolicyArn: arn, MaxItems: 3 }));
    assert.deepEqual(v.Versions?.map((x) => x.VersionId), ['v4', 'v3', 'v2']);
    const v2 = await iam.send(new I.ListPolicyVersionsCommand({ PolicyArn: arn, MaxItems: 3, Marker: v.Marker }));
    assert.deepEqual(v2.Versions?.map((x) => x.VersionId), ['v1']);

    await iam.send(new I.AttachUserPolicyCommand({ UserName: 'user-010', PolicyArn: arn }));
    await iam.send(new I.AttachUserPolicyCommand({ UserName: 'user-010', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    const att = await iam.send(new I.ListAttachedUserPoliciesCommand({ UserName: 'user-010', MaxItems: 1 }));
    assert.equal(att.AttachedPolicies?.length, 1);
    assert.equal(att.IsTruncated, true);
    const att2 = await iam.send(new I.ListAttachedUserPoliciesCommand({ UserName: 'user-010', MaxItems: 1, Marker: att.Marker }));
    assert.notEqual(att2.AttachedPolicies?.[0]?.PolicyArn, att.AttachedPolicies?.[0]?.PolicyArn);
    assert.equal(att2.IsTruncated, false);

    for (const n of ['a', 'b', 'c']) await iam.send(new I.PutUserPolicyCommand({ UserName: 'user-010', PolicyName: n, PolicyDocument: doc }));
    const inl = await iam.send(new I.ListUserPoliciesCommand({ UserName: 'user-010', MaxItems: 2 }));
    assert.deepEqual(inl.PolicyNames, ['a', 'b']);
    assert.deepEqual((await iam.send(new I.ListUserPoliciesCommand({ UserName: 'user-010', MaxItems: 2, Marker: inl.Marker }))).PolicyNames, ['c']);

    for (let i = 0; i < 2; i++) await iam.send(new I.CreateAccessKeyCommand({ UserName: 'user-010' }));
    const k = await iam.send(new I.ListAccessKeysCommand({ UserName: 'user-010', MaxItems: 1 }));
    assert.equal(k.AccessKeyMetadata?.length, 1);
    const k2 = await iam.send(new I.ListAccessKeysCommand({ UserName: 'user-010', MaxItems: 1, Marker: k.Marker }));
    assert.equal(k2.AccessKeyMetadata?.length, 1);
    assert.notEqual(k2.AccessKeyMetadata?.[0]?.AccessKeyId, k.AccessKeyMetadata?.[0]?.AccessKeyId);
  });

  test('markers stay within the 320 characters of IAM, even after a tag key of 128 letters outside ASCII', async () => {
    const Tags = ['é', 'ж', 'ü'].map((c) => ({ Key: c.repeat(128), Value: 'v' }));
    await iam.send(new I.TagUserCommand({ UserName: 'user-020', Tags }));
    const keys: string[] = [];
    for await (const page of I.paginateListUserTags({ client: iam, pageSize: 1 }, { UserName: 'user-020' })) {
      if (page.Marker !== undefined) assert.ok(page.Marker.length <= 320, `marker of ${page.Marker.length} characters`);
      keys.push(...(page.Tags ?? []).map((t) => String(t.Key)));
    }
    assert.deepEqual(keys, Tags.map((t) => t.Key).sort(), 'each once, by key (review ka, 1)');
    for (const g of ['a', 'b', 'c']) {
      await iam.send(new I.CreateGroupCommand({ GroupName: g.repeat(128) }));
      await iam.send(new I.AddUserToGroupCommand({ GroupName: g.repeat(128), UserName: 'user-020' }));
    }
    const first = await iam.send(new I.ListGroupsForUserCommand({ UserName: 'user-020', MaxItems: 1 }));
    assert.ok((first.Marker ?? '').length <= 320);
    const rest = await iam.send(new I.ListGroupsForUserCommand({ UserName: 'user-020', Marker: first.Marker }));
    assert.deepEqual(rest.Groups?.map((g) => g.GroupName), ['b'.repeat(128), 'c'.repeat(128)]);
  });

  test('ListEntitiesForPolicy pages groups, users and roles as one listing', async () => {
    const arn = 'arn:aws:iam::aws:policy/IAMFullAccess';
    await iam.send(new I.CreateGroupCommand({ GroupName: 'entity-g' }));
    await iam.send(new I.AttachGroupPolicyCommand({ GroupName: 'entity-g', PolicyArn: arn }));
    for (const u of ['user-030', 'user-031']) await iam.send(new I.AttachUserPolicyCommand({ UserName: u, PolicyArn: arn }));
    const first = await iam.send(new I.ListEntitiesForPolicyCommand({ PolicyArn: arn, MaxItems: 2 }));
    assert.deepEqual([first.PolicyGroups?.map((g) => g.GroupName), first.PolicyUsers?.map((u) => u.UserName)], [['entity-g'], ['user-030']]);
    assert.equal(first.IsTruncated, true);
    const rest = await iam.send(new I.ListEntitiesForPolicyCommand({ PolicyArn: arn, MaxItems: 2, Marker: first.Marker }));
    assert.deepEqual([rest.PolicyGroups, rest.PolicyUsers?.map((u) => u.UserName), rest.IsTruncated], [[], ['user-031'], false]);
  });

  test('MaxItems outside 1..1000, a Marker of another listing, a tampered Marker: ValidationError', async () => {
    const first = await iam.send(new I.ListUsersCommand({ MaxItems: 2 }));
    for (const input of [{ MaxItems: 0 }, { MaxItems: 1001 }, { Marker: 'garbage' }, { Marker: `${first.Marker}x` }, { Marker: '5' }]) {
      const f = await sdkFailure(iam.send(new I.ListUsersCommand(input)));
      assert.equal(f.code, 'ValidationError', JSON.stringify(input));
      assert.equal(f.status, 400);
    }
    const f = await sdkFailure(iam.send(new I.ListRolesCommand({ Marker: first.Marker })));
    assert.equal(f.code, 'ValidationError');
    assert.match(f.message, /is not one ListRoles handed out/);
  });
});

test('the aws CLI pages ListUsers with --page-size and gets every user once', { skip: awsCliMissing() ?? false }, async () => {
  const r = await awsCli(['iam', 'list-users', '--page-size', '30', '--endpoint-url', server.url, '--output', 'json', '--debug'], {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: process.env['HOME'] ?? '/tmp',
    AWS_ACCESS_KEY_ID: server.admin.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey,
    AWS_DEFAULT_REGION: REGION,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_PAGER: '',
    AWS_MAX_ATTEMPTS: '1',
  }, { timeoutMs: 90_000 });
  assert.equal(r.code, 0, r.stderr.slice(-2000));
  const users = (JSON.parse(r.stdout) as { Users: { UserName: string }[] }).Users.map((u) => u.UserName);
  assert.equal(users.length, new Set(users).size);
  assert.equal(users.length, 101);
  // Four requests of at most 30: the CLI followed three Markers.
  assert.equal((r.stderr.match(/'Action': 'ListUsers'/g) ?? []).length, 4);
});
