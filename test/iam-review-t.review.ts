/**
 * Review T: administering the identity directory with partial IAM rights, over the IAM Query API (AWS SDK v3),
 * `/v1` (and the `gatehouse` CLI) and `apply`.
 *
 * T1: an action on an existing user, group or role is decided on its canonical ARN (stored path and name), so a
 *     Deny on `user/admin` holds against `ADMIN`, and an Allow on `user/team-*` does not open `Team-lead`.
 * T3: UpdateUser / UpdateGroup are also authorized on the target ARN (new path, new name).
 * T2: IAM's tag condition keys: `aws:ResourceTag`/`iam:ResourceTag` on users and roles, `aws:RequestTag` and
 *     `aws:TagKeys` on Create/Tag, `aws:TagKeys` on Untag.
 * T4: `iam:PermissionsBoundary` as AWS supplies it (the IAM User Guide's delegated-admin policy).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, iamUserWith, outcomeName as errorName, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const V = '2012-10-17';
const ARN = (rest: string) => `arn:aws:iam::${A}:${rest}`;
const ADMIN_POLICY = 'arn:aws:iam::aws:policy/AdministratorAccess';
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const policy = (...Statement: Record<string, unknown>[]) => ({ Version: V, Statement });
const trustUser = (user: string) => JSON.stringify(policy({ Effect: 'Allow', Principal: { AWS: ARN(`user/${user}`) }, Action: 'sts:AssumeRole' }));

let server: TestServer;
let admin: I.IAMClient;

/** Creates `name` (with `extra`), gives it the inline policy `doc` and returns its key. */
const userWith = (name: string, doc: unknown, extra: Partial<I.CreateUserCommandInput> = {}): Promise<Credentials> => iamUserWith(admin, name, doc, extra);

async function apply(who: Credentials, documents: unknown[]): Promise<{ status: number; json: Record<string, unknown> }> {
  return gatehouseJson(server.url, who, 'POST', '/v1/apply', { documents });
}

before(async () => {
  server = await startTestServer();
  admin = server.iam();
});

after(async () => {
  await server?.stop();
});

describe('T1: an existing entity is decided on its canonical ARN, whatever the case it is named in', () => {
  let mallory: I.IAMClient;
  let malloryKey: Credentials;

  before(async () => {
    await admin.send(new I.CreateGroupCommand({ GroupName: 'admins' }));
    await admin.send(new I.AttachGroupPolicyCommand({ GroupName: 'admins', PolicyArn: ADMIN_POLICY }));
    await admin.send(new I.CreateRoleCommand({ RoleName: 'ops', AssumeRolePolicyDocument: trustUser('admin') }));
    // The delegated admin: everything, except the crown jewels and herself.
    malloryKey = await userWith(
      'mallory',
      policy(
        { Effect: 'Allow', Action: ['iam:*', 'gatehouse:*'], Resource: '*' },
        { Effect: 'Deny', Action: 'iam:*', Resource: [ARN('user/admin'), ARN('user/mallory'), ARN('group/admins'), ARN('role/ops')] },
      ),
    );
    mallory = server.iam(malloryKey);
  });

  test('over the IAM API: every spelling of admin, admins, ops and mallory meets the Deny', async () => {
    const attempts: [string, Promise<unknown>][] = [
      ['CreateAccessKey ADMIN', mallory.send(new I.CreateAccessKeyCommand({ UserName: 'ADMIN' }))],
      ['CreateAccessKey Admin', mallory.send(new I.CreateAccessKeyCommand({ UserName: 'Admin' }))],
      ['AddUserToGroup ADMINS', mallory.send(new I.AddUserToGroupCommand({ GroupName: 'ADMINS', UserName: 'mallory' }))],
      ['AttachUserPolicy Mallory', mallory.send(new I.AttachUserPolicyCommand({ UserName: 'Mallory', PolicyArn: ADMIN_POLICY }))],
      ['DeleteUserPolicy MALLORY', mallory.send(new I.DeleteUserPolicyCommand({ UserName: 'MALLORY', PolicyName: 'p' }))],
      ['PutUserPolicy MALLORY', mallory.send(new I.PutUserPolicyCommand({ UserName: 'MALLORY', PolicyName: 'q', PolicyDocument: JSON.stringify(policy({ Effect: 'Allow', Action: '*', Resource: '*' })) }))],
      ['UpdateAssumeRolePolicy OPS', mallory.send(new I.UpdateAssumeRolePolicyCommand({ RoleName: 'OPS', PolicyDocument: trustUser('mallory') }))],
      ['AttachRolePolicy Ops', mallory.send(new I.AttachRolePolicyCommand({ RoleName: 'Ops', PolicyArn: ADMIN_POLICY }))],
      ['DetachGroupPolicy Admins', mallory.send(new I.DetachGroupPolicyCommand({ GroupName: 'Admins', PolicyArn: ADMIN_POLICY }))],
      ['UpdateUser ADMIN', mallory.send(new I.UpdateUserCommand({ UserName: 'ADMIN', NewPath: '/x/' }))],
      ['TagUser ADMIN', mallory.send(new I.TagUserCommand({ UserName: 'ADMIN', Tags: [{ Key: 'k', Value: 'v' }] }))],
      ['DeleteUserPermissionsBoundary ADMIN', mallory.send(new I.DeleteUserPermissionsBoundaryCommand({ UserName: 'ADMIN' }))],
      ['GetUser ADMIN', mallory.send(new I.GetUserCommand({ UserName: 'ADMIN' }))],
      ['GetRole OPS', mallory.send(new I.GetRoleCommand({ RoleName: 'OPS' }))],
      ['ListAccessKeys ADMIN', mallory.send(new I.ListAccessKeysCommand({ UserName: 'ADMIN' }))],
      ['DeleteRole OPS', mallory.send(new I.DeleteRoleCommand({ RoleName: 'OPS' }))],
    ];
    for (const [label, p] of attempts) assert.equal(await errorName(p), 'AccessDenied', label);
    // Nothing changed.
    assert.deepEqual((await admin.send(new I.ListAccessKeysCommand({ UserName: 'admin' }))).AccessKeyMetadata?.length, 1);
    assert.deepEqual((await admin.send(new I.ListGroupsForUserCommand({ UserName: 'mallory' }))).Groups, []);
    assert.deepEqual((await admin.send(new I.ListUserPoliciesCommand({ UserName: 'mallory' }))).PolicyNames, ['p']);
    assert.equal(decodeURIComponent((await admin.send(new I.GetRoleCommand({ RoleName: 'ops' }))).Role!.AssumeRolePolicyDocument!), trustUser('admin'));
    // The refusal names the canonical ARN.
    try {
      await mallory.send(new I.CreateAccessKeyCommand({ UserName: 'ADMIN' }));
    } catch (e) {
      assert.match((e as Error).message, new RegExp(`${ARN('user/admin')} with an explicit deny`));
    }
  });

  test('over /v1 and the gatehouse CLI', async () => {
    const key = await gatehouseJson(server.url, malloryKey, 'POST', '/v1/access-keys', { userName: 'Admin' });
    assert.equal(key.status, 403, JSON.stringify(key.json));
    const join = await gatehouseJson(server.url, malloryKey, 'PUT', '/v1/groups/ADMINS/users/mallory', {});
    assert.equal(join.status, 403, JSON.stringify(join.json));
    const cli = await cliAgainst(server, ['iam', 'access-keys', 'create', '--user', 'Admin'], malloryKey);
    assert.notEqual(cli.status, 0, cli.out);
    assert.match(cli.err, /AccessDenied|explicit deny/);
    assert.deepEqual((await admin.send(new I.ListAccessKeysCommand({ UserName: 'admin' }))).AccessKeyMetadata?.length, 1);
    assert.deepEqual((await admin.send(new I.ListGroupsForUserCommand({ UserName: 'mallory' }))).Groups, []);
  });

  test('over apply: a User document listing ADMINS meets the Deny on group/admins', async () => {
    const r = await apply(malloryKey, [doc('User', 'pawn', { groups: ['ADMINS'] })]);
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /group\/admins/);
    assert.equal(await errorName(admin.send(new I.GetUserCommand({ UserName: 'pawn' }))), 'NoSuchEntityException');
    // An existing user, and her own document in another case.
    const own = await apply(malloryKey, [doc('User', 'MALLORY', { groups: [], inlinePolicies: {} })]);
    assert.equal(own.status, 403, JSON.stringify(own.json));
    assert.deepEqual((await admin.send(new I.ListUserPoliciesCommand({ UserName: 'mallory' }))).PolicyNames, ['p']);
    // The group is joined under its stored name, when allowed (the admin).
    await admin.send(new I.CreateUserCommand({ UserName: 'pawn2' }));
    const ok = await apply(server.admin, [doc('User', 'pawn2', { groups: ['ADMINS'] })]);
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    assert.deepEqual((await admin.send(new I.ListGroupsForUserCommand({ UserName: 'pawn2' }))).Groups?.map((g) => g.GroupName), ['admins']);
  });

  test('an Allow on user/team-* does not open a stored user Team-lead named team-lead', async () => {
    await admin.send(new I.CreateUserCommand({ UserName: 'Team-lead' }));
    await admin.send(new I.CreateUserCommand({ UserName: 'team-x' }));
    const k = await userWith('teamadmin', policy({ Effect: 'Allow', Action: ['iam:*', 'gatehouse:*'], Resource: ARN('user/team-*') }));
    const t = server.iam(k);
    assert.equal(await errorName(t.send(new I.CreateAccessKeyCommand({ UserName: 'team-lead' }))), 'AccessDenied');
    assert.equal(await errorName(t.send(new I.AttachUserPolicyCommand({ UserName: 'team-lead', PolicyArn: ADMIN_POLICY }))), 'AccessDenied');
    assert.equal((await gatehouseJson(server.url, k, 'POST', '/v1/access-keys', { userName: 'team-lead' })).status, 403);
    assert.equal((await apply(k, [doc('User', 'team-lead', { policies: ['AdministratorAccess'] })])).status, 403);
    assert.deepEqual((await admin.send(new I.ListAccessKeysCommand({ UserName: 'Team-lead' }))).AccessKeyMetadata, []);
    assert.deepEqual((await admin.send(new I.ListAttachedUserPoliciesCommand({ UserName: 'Team-lead' }))).AttachedPolicies, []);
    // What it does administer, it still may, in any case.
    assert.equal(await errorName(t.send(new I.CreateAccessKeyCommand({ UserName: 'TEAM-X' }))), 'ok');
  });
});

describe('T3: UpdateUser and UpdateGroup are authorized on the target as well as the source', () => {
  test('a /dev/ delegated admin cannot move itself (or another) to /ops/, nor rename a group out of its path', async () => {
    await admin.send(
      new I.CreateRoleCommand({
        RoleName: 'opstools',
        AssumeRolePolicyDocument: JSON.stringify(policy({ Effect: 'Allow', Principal: { AWS: ARN('root') }, Action: 'sts:AssumeRole', Condition: { ArnLike: { 'aws:PrincipalArn': ARN('user/ops/*') } } })),
      }),
    );
    await admin.send(new I.AttachRolePolicyCommand({ RoleName: 'opstools', PolicyArn: ADMIN_POLICY }));
    const k = await userWith(
      'devlead',
      policy({ Effect: 'Allow', Action: 'iam:*', Resource: [ARN('user/dev/*'), ARN('group/dev/*')] }, { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }),
      { Path: '/dev/' },
    );
    const d = server.iam(k);
    await admin.send(new I.CreateUserCommand({ UserName: 'helper', Path: '/dev/' }));
    await admin.send(new I.CreateGroupCommand({ GroupName: 'devs', Path: '/dev/' }));

    assert.equal(await errorName(d.send(new I.UpdateUserCommand({ UserName: 'devlead', NewPath: '/ops/' }))), 'AccessDenied');
    assert.equal(await errorName(d.send(new I.UpdateUserCommand({ UserName: 'helper', NewPath: '/ops/' }))), 'AccessDenied');
    assert.equal(await errorName(d.send(new I.UpdateGroupCommand({ GroupName: 'devs', NewPath: '/ops/' }))), 'AccessDenied');
    assert.equal((await admin.send(new I.GetUserCommand({ UserName: 'devlead' }))).User?.Path, '/dev/');
    assert.equal((await admin.send(new I.GetGroupCommand({ GroupName: 'devs' }))).Group?.Path, '/dev/');
    assert.equal(await errorName(server.sts(k).send(new AssumeRoleCommand({ RoleArn: ARN('role/opstools'), RoleSessionName: 'sess' }))), 'AccessDenied');
    // Within what it administers, renames and moves still work.
    assert.equal(await errorName(d.send(new I.UpdateUserCommand({ UserName: 'helper', NewUserName: 'helper2', NewPath: '/dev/team/' }))), 'ok');
    assert.equal(await errorName(d.send(new I.UpdateGroupCommand({ GroupName: 'devs', NewGroupName: 'devs2' }))), 'ok');
    assert.equal((await admin.send(new I.GetUserCommand({ UserName: 'helper2' }))).User?.Arn, ARN('user/dev/team/helper2'));
  });

  test('a rename needs the target name too', async () => {
    const k = await userWith('renamer', policy({ Effect: 'Allow', Action: 'iam:*', Resource: [ARN('user/tmp-*'), ARN('group/tmp-*')] }));
    const r = server.iam(k);
    await admin.send(new I.CreateUserCommand({ UserName: 'tmp-a' }));
    await admin.send(new I.CreateGroupCommand({ GroupName: 'tmp-g' }));
    assert.equal(await errorName(r.send(new I.UpdateUserCommand({ UserName: 'tmp-a', NewUserName: 'boss2' }))), 'AccessDenied');
    assert.equal(await errorName(r.send(new I.UpdateGroupCommand({ GroupName: 'tmp-g', NewGroupName: 'admins2' }))), 'AccessDenied');
    assert.equal(await errorName(admin.send(new I.GetUserCommand({ UserName: 'boss2' }))), 'NoSuchEntityException');
    assert.equal(await errorName(r.send(new I.UpdateUserCommand({ UserName: 'tmp-a', NewUserName: 'tmp-b' }))), 'ok');
  });
});

describe('T2: IAM actions carry the tag condition keys', () => {
  test('a Deny on aws:ResourceTag/protected or iam:ResourceTag/protected protects a tagged user (IAM API, /v1, apply)', async () => {
    await admin.send(new I.CreateUserCommand({ UserName: 'boss', Tags: [{ Key: 'protected', Value: 'true' }] }));
    await admin.send(new I.AttachUserPolicyCommand({ UserName: 'boss', PolicyArn: ADMIN_POLICY }));
    await admin.send(new I.CreateRoleCommand({ RoleName: 'crown', AssumeRolePolicyDocument: trustUser('admin'), Tags: [{ Key: 'protected', Value: 'true' }] }));
    await admin.send(new I.CreateUserCommand({ UserName: 'plain' }));
    for (const key of ['aws:ResourceTag/protected', 'iam:ResourceTag/protected']) {
      const k = await userWith(
        `helpdesk-${key.slice(0, 3)}`,
        policy(
          { Effect: 'Allow', Action: ['iam:*', 'gatehouse:*'], Resource: [ARN('user/*'), ARN('role/*')] },
          { Effect: 'Deny', Action: 'iam:*', Resource: '*', Condition: { StringEquals: { [key]: 'true' } } },
        ),
      );
      const h = server.iam(k);
      assert.equal(await errorName(h.send(new I.CreateAccessKeyCommand({ UserName: 'boss' }))), 'AccessDenied', key);
      assert.equal(await errorName(h.send(new I.UntagUserCommand({ UserName: 'boss', TagKeys: ['protected'] }))), 'AccessDenied', key);
      assert.equal(await errorName(h.send(new I.UpdateAssumeRolePolicyCommand({ RoleName: 'crown', PolicyDocument: trustUser(`helpdesk-${key.slice(0, 3)}`) }))), 'AccessDenied', key);
      assert.equal((await gatehouseJson(server.url, k, 'POST', '/v1/access-keys', { userName: 'boss' })).status, 403, key);
      assert.equal((await apply(k, [doc('User', 'boss', { policies: ['AdministratorAccess'], tags: {} })])).status, 403, key);
      // An untagged user is still theirs to administer.
      assert.equal(await errorName(h.send(new I.CreateAccessKeyCommand({ UserName: 'plain' }))), 'ok', key);
    }
    assert.deepEqual((await admin.send(new I.ListAccessKeysCommand({ UserName: 'boss' }))).AccessKeyMetadata, []);
    assert.deepEqual((await admin.send(new I.ListUserTagsCommand({ UserName: 'boss' }))).Tags, [{ Key: 'protected', Value: 'true' }]);
  });

  test('a Deny on aws:TagKeys or aws:RequestTag protects the tags ABAC relies on (IAM API, /v1, apply)', async () => {
    const k = await userWith(
      'tagger',
      policy(
        { Effect: 'Allow', Action: ['iam:TagUser', 'iam:UntagUser', 'iam:CreateUser', 'iam:CreateRole', 'iam:TagRole', 'iam:GetUser', 'iam:GetRole', 'iam:ListUsers', 'iam:ListUserTags', 'gatehouse:*'], Resource: '*' },
        { Effect: 'Deny', Action: ['iam:TagUser', 'iam:UntagUser', 'iam:CreateUser', 'iam:CreateRole', 'iam:TagRole'], Resource: '*', Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['clearance'] } } },
        { Effect: 'Deny', Action: ['iam:TagUser', 'iam:CreateUser'], Resource: '*', Condition: { StringEquals: { 'aws:RequestTag/team': 'admins' } } },
      ),
    );
    const t = server.iam(k);
    await admin.send(new I.CreateUserCommand({ UserName: 'cleared', Tags: [{ Key: 'clearance', Value: 'top' }] }));
    assert.equal(await errorName(t.send(new I.TagUserCommand({ UserName: 'tagger', Tags: [{ Key: 'clearance', Value: 'top' }] }))), 'AccessDenied');
    assert.equal(await errorName(t.send(new I.CreateUserCommand({ UserName: 'x1', Tags: [{ Key: 'clearance', Value: 'top' }] }))), 'AccessDenied');
    assert.equal(await errorName(t.send(new I.CreateRoleCommand({ RoleName: 'x1', AssumeRolePolicyDocument: trustUser('tagger'), Tags: [{ Key: 'clearance', Value: 'top' }] }))), 'AccessDenied');
    assert.equal(await errorName(t.send(new I.TagUserCommand({ UserName: 'tagger', Tags: [{ Key: 'team', Value: 'admins' }] }))), 'AccessDenied');
    assert.equal(await errorName(t.send(new I.UntagUserCommand({ UserName: 'cleared', TagKeys: ['clearance'] }))), 'AccessDenied');
    // /v1
    assert.equal((await gatehouseJson(server.url, k, 'POST', '/v1/users', { name: 'x2', tags: { clearance: 'top' } })).status, 403);
    // apply: a new user with the key, the caller's own tags, and an untag
    assert.equal((await apply(k, [doc('User', 'x3', { tags: { clearance: 'top' } })])).status, 403);
    assert.equal((await apply(k, [doc('User', 'tagger', { tags: { team: 'admins' } })])).status, 403);
    assert.equal((await apply(k, [doc('User', 'cleared', { tags: {} })])).status, 403);
    assert.deepEqual((await admin.send(new I.ListUserTagsCommand({ UserName: 'tagger' }))).Tags, []);
    assert.deepEqual((await admin.send(new I.ListUserTagsCommand({ UserName: 'cleared' }))).Tags, [{ Key: 'clearance', Value: 'top' }]);
    for (const u of ['x1', 'x2', 'x3']) assert.equal(await errorName(admin.send(new I.GetUserCommand({ UserName: u }))), 'NoSuchEntityException', u);
    // Other tags are still allowed.
    assert.equal(await errorName(t.send(new I.TagUserCommand({ UserName: 'tagger', Tags: [{ Key: 'team', Value: 'blue' }] }))), 'ok');
    assert.equal(await errorName(t.send(new I.CreateUserCommand({ UserName: 'x4', Tags: [{ Key: 'team', Value: 'blue' }] }))), 'ok');
  });

  test('the ABAC Allow aws:ResourceTag/team = ${aws:PrincipalTag/team} works', async () => {
    const k = await userWith('lead', policy({ Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } } }), {
      Tags: [{ Key: 'team', Value: 'blue' }],
    });
    await admin.send(new I.CreateUserCommand({ UserName: 'bluey', Tags: [{ Key: 'team', Value: 'blue' }] }));
    await admin.send(new I.CreateUserCommand({ UserName: 'reddy', Tags: [{ Key: 'team', Value: 'red' }] }));
    const l = server.iam(k);
    assert.equal(await errorName(l.send(new I.CreateAccessKeyCommand({ UserName: 'bluey' }))), 'ok');
    assert.equal(await errorName(l.send(new I.CreateAccessKeyCommand({ UserName: 'reddy' }))), 'AccessDenied');
  });
});

describe('T4: iam:PermissionsBoundary is supplied as AWS does (the IAM User Guide delegated-admin policy)', () => {
  const B = ARN('policy/XCompanyBoundaries');
  const OTHER = ARN('policy/Other');
  // "Permissions boundaries for IAM entities", IAM User Guide (ShirleyRodriguez).
  const shirleyPolicy = policy(
    {
      Sid: 'CreateOrChangeOnlyWithBoundary',
      Effect: 'Allow',
      Action: ['iam:CreateUser', 'iam:DeleteUserPolicy', 'iam:AttachUserPolicy', 'iam:DetachUserPolicy', 'iam:PutUserPermissionsBoundary', 'iam:PutUserPolicy'],
      Resource: '*',
      Condition: { StringEquals: { 'iam:PermissionsBoundary': B } },
    },
    {
      Sid: 'CloudWatchAndOtherIAMTasks',
      Effect: 'Allow',
      Action: ['iam:GetUser', 'iam:ListUsers', 'iam:DeleteUser', 'iam:UpdateUser', 'iam:CreateAccessKey', 'iam:ListAccessKeys', 'iam:GetPolicy', 'iam:ListPolicies', 'iam:CreatePolicy', 'iam:GetUserPolicy', 'iam:ListUserPolicies', 'iam:ListAttachedUserPolicies'],
      Resource: '*',
    },
    { Sid: 'NoBoundaryPolicyEdit', Effect: 'Deny', Action: ['iam:CreatePolicyVersion', 'iam:DeletePolicy', 'iam:DeletePolicyVersion', 'iam:SetDefaultPolicyVersion'], Resource: [B] },
    { Sid: 'NoBoundaryUserDelete', Effect: 'Deny', Action: 'iam:DeleteUserPermissionsBoundary', Resource: '*' },
  );
  // apply needs gatehouse:Apply besides the IAM actions it stands for.
  const applyRight = policy({ Effect: 'Allow', Action: 'gatehouse:*', Resource: '*' });
  const s3Doc = JSON.stringify(policy({ Effect: 'Allow', Action: 's3:*', Resource: '*' }));
  let shirleyKey: Credentials;
  let shirley: I.IAMClient;

  before(async () => {
    await admin.send(new I.CreatePolicyCommand({ PolicyName: 'XCompanyBoundaries', PolicyDocument: JSON.stringify(policy({ Effect: 'Allow', Action: ['s3:*', 'cloudwatch:*', 'ec2:*'], Resource: '*' })) }));
    await admin.send(new I.CreatePolicyCommand({ PolicyName: 'Other', PolicyDocument: JSON.stringify(policy({ Effect: 'Allow', Action: '*', Resource: '*' })) }));
    shirleyKey = await userWith('shirley', shirleyPolicy);
    await admin.send(new I.PutUserPolicyCommand({ UserName: 'shirley', PolicyName: 'apply', PolicyDocument: JSON.stringify(applyRight) }));
    shirley = server.iam(shirleyKey);
  });

  test('over the IAM API: what AWS allows is allowed, what it refuses is refused', async () => {
    assert.equal(await errorName(shirley.send(new I.CreateUserCommand({ UserName: 'dev1', PermissionsBoundary: B }))), 'ok');
    await admin.send(new I.CreateUserCommand({ UserName: 'dev2', PermissionsBoundary: B }));
    assert.equal(await errorName(shirley.send(new I.PutUserPolicyCommand({ UserName: 'dev2', PolicyName: 'p', PolicyDocument: s3Doc }))), 'ok');
    assert.equal(await errorName(shirley.send(new I.AttachUserPolicyCommand({ UserName: 'dev2', PolicyArn: OTHER }))), 'ok');
    assert.equal(await errorName(shirley.send(new I.DetachUserPolicyCommand({ UserName: 'dev2', PolicyArn: OTHER }))), 'ok');
    assert.equal(await errorName(shirley.send(new I.DeleteUserPolicyCommand({ UserName: 'DEV2', PolicyName: 'p' }))), 'ok');
    await admin.send(new I.CreateUserCommand({ UserName: 'dev3' }));
    assert.equal(await errorName(shirley.send(new I.PutUserPermissionsBoundaryCommand({ UserName: 'dev3', PermissionsBoundary: B }))), 'ok');
    // AWS refuses these.
    assert.equal(await errorName(shirley.send(new I.CreateUserCommand({ UserName: 'dev4' }))), 'AccessDenied');
    assert.equal(await errorName(shirley.send(new I.CreateUserCommand({ UserName: 'dev4', PermissionsBoundary: OTHER }))), 'AccessDenied');
    assert.equal(await errorName(shirley.send(new I.PutUserPermissionsBoundaryCommand({ UserName: 'dev2', PermissionsBoundary: OTHER }))), 'AccessDenied');
    assert.equal(await errorName(shirley.send(new I.DeleteUserPermissionsBoundaryCommand({ UserName: 'dev2' }))), 'AccessDenied');
    await admin.send(new I.CreateUserCommand({ UserName: 'unbounded' }));
    assert.equal(await errorName(shirley.send(new I.PutUserPolicyCommand({ UserName: 'unbounded', PolicyName: 'p', PolicyDocument: s3Doc }))), 'AccessDenied');
    assert.equal(await errorName(shirley.send(new I.AttachUserPolicyCommand({ UserName: 'unbounded', PolicyArn: OTHER }))), 'AccessDenied');
    assert.equal(await errorName(shirley.send(new I.AttachUserPolicyCommand({ UserName: 'shirley', PolicyArn: ADMIN_POLICY }))), 'AccessDenied');
    assert.equal((await admin.send(new I.GetUserCommand({ UserName: 'dev1' }))).User?.PermissionsBoundary?.PermissionsBoundaryArn, B);
  });

  test('over /v1: a user created with the boundary, and not without', async () => {
    const made = await gatehouseJson(server.url, shirleyKey, 'POST', '/v1/users', { name: 'dev5', permissionsBoundary: 'XCompanyBoundaries' });
    assert.equal(made.status, 201, JSON.stringify(made.json));
    assert.equal((await gatehouseJson(server.url, shirleyKey, 'POST', '/v1/users', { name: 'dev6' })).status, 403);
  });

  test('over apply: a new user with the boundary, its policies, and an existing user given the boundary', async () => {
    const r = await apply(shirleyKey, [doc('User', 'dev9', { permissionsBoundary: 'XCompanyBoundaries', policies: ['Other'], inlinePolicies: { p: JSON.parse(s3Doc) } })]);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const dev9 = (await admin.send(new I.GetUserCommand({ UserName: 'dev9' }))).User;
    assert.equal(dev9?.PermissionsBoundary?.PermissionsBoundaryArn, B);
    assert.deepEqual((await admin.send(new I.ListAttachedUserPoliciesCommand({ UserName: 'dev9' }))).AttachedPolicies?.map((p) => p.PolicyArn), [OTHER]);
    // An existing user without a boundary: given it, and policies, in one apply (the boundary is set first).
    await admin.send(new I.CreateUserCommand({ UserName: 'dev7' }));
    const r7 = await apply(shirleyKey, [doc('User', 'dev7', { permissionsBoundary: 'XCompanyBoundaries', inlinePolicies: { p: JSON.parse(s3Doc) } })]);
    assert.equal(r7.status, 200, JSON.stringify(r7.json));
    // Refused as AWS would: no boundary, another boundary, policies on a user without it, dropping the boundary.
    assert.equal((await apply(shirleyKey, [doc('User', 'dev10', { policies: ['Other'] })])).status, 403);
    assert.equal((await apply(shirleyKey, [doc('User', 'dev11', { permissionsBoundary: 'Other' })])).status, 403);
    assert.equal((await apply(shirleyKey, [doc('User', 'unbounded', { inlinePolicies: { p: JSON.parse(s3Doc) } })])).status, 403);
    // dev9 loses its boundary and gets a new policy in one apply: the policy would be put on an unbounded user.
    await admin.send(new I.PutUserPolicyCommand({ UserName: 'shirley', PolicyName: 'apply', PolicyDocument: JSON.stringify(policy({ Effect: 'Allow', Action: ['gatehouse:*', 'iam:DeleteUserPermissionsBoundary'], Resource: '*' })) }));
    await admin.send(new I.DeleteUserPolicyCommand({ UserName: 'shirley', PolicyName: 'p' }));
    await admin.send(new I.PutUserPolicyCommand({ UserName: 'shirley', PolicyName: 'p', PolicyDocument: JSON.stringify({ ...shirleyPolicy, Statement: shirleyPolicy.Statement.filter((x) => x['Sid'] !== 'NoBoundaryUserDelete') }) }));
    const split = await apply(shirleyKey, [doc('User', 'dev9', { policies: ['Other'], inlinePolicies: { p: JSON.parse(s3Doc), q: JSON.parse(s3Doc) } })]);
    assert.equal(split.status, 403, JSON.stringify(split.json));
    assert.match(JSON.stringify(split.json), /PutUserPolicy/);
    assert.equal((await admin.send(new I.GetUserCommand({ UserName: 'dev9' }))).User?.PermissionsBoundary?.PermissionsBoundaryArn, B);
    for (const u of ['dev10', 'dev11']) assert.equal(await errorName(admin.send(new I.GetUserCommand({ UserName: u }))), 'NoSuchEntityException', u);
    assert.deepEqual((await admin.send(new I.ListUserPoliciesCommand({ UserName: 'unbounded' }))).PolicyNames, []);
  });
});
