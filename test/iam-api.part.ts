/**
 * The IAM Query API through the real `@aws-sdk/client-iam`, against a real server (`startServer` on
 * 127.0.0.1, random port, temporary data dir): every action the API implements, its error paths with the
 * AWS error names the SDK surfaces, authentication failures, delegated administration, the policy
 * simulator, GetAccountAuthorizationDetails, and an `acs` (Alibaba RAM style) account.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { IAM_ACTIONS } from '../src/adapters/http/iam-api.ts';
import { errorName, REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const arn = (kind: string, rest: string) => `arn:aws:iam::${ACCT}:${kind}/${rest}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const allow = (Action: string | string[], Resource: string | string[] = '*', extra: object = {}) => ({ Effect: 'Allow', Action, Resource, ...extra });
const deny = (Action: string | string[], Resource: string | string[] = '*', extra: object = {}) => ({ Effect: 'Deny', Action, Resource, ...extra });
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] });

let server: TestServer;
let admin: I.IAMClient;
/** Every Query API action a client of this suite sent (from the SDK command names). */
const called = new Set<string>();

function client(credentials?: Credentials): I.IAMClient {
  const c = server.iam(credentials);
  c.middlewareStack.add(
    (next, context) => (args) => {
      called.add(String(context.commandName).replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: 'recordAction' },
  );
  return c;
}

/** A user with its own key and the given inline policy (if any), and a client signing as it. */
async function userWithKey(name: string, policy?: string): Promise<{ client: I.IAMClient; key: Credentials }> {
  await admin.send(new I.CreateUserCommand({ UserName: name }));
  if (policy) await admin.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: policy }));
  const k = await admin.send(new I.CreateAccessKeyCommand({ UserName: name }));
  const key = { accessKeyId: k.AccessKey!.AccessKeyId!, secretAccessKey: k.AccessKey!.SecretAccessKey! };
  return { client: client(key), key };
}

before(async () => {
  server = await startTestServer();
  admin = client();
});
after(async () => {
  await server?.stop();
});

describe('users', () => {
  it('creates, reads, lists, renames and deletes users', async () => {
    const created = await admin.send(new I.CreateUserCommand({ UserName: 'alice', Path: '/eng/', Tags: [{ Key: 'team', Value: 'vision' }] }));
    assert.equal(created.User?.UserName, 'alice');
    assert.equal(created.User?.Arn, arn('user', 'eng/alice'));
    assert.match(created.User?.UserId ?? '', /^AIDA[A-Z2-7]{17}$/);
    assert.ok(created.User?.CreateDate instanceof Date);
    assert.deepEqual(created.User?.Tags, [{ Key: 'team', Value: 'vision' }]);

    assert.equal(await errorName(admin.send(new I.CreateUserCommand({ UserName: 'alice' }))), 'EntityAlreadyExistsException');
    assert.equal(await errorName(admin.send(new I.CreateUserCommand({ UserName: 'ALICE' }))), 'EntityAlreadyExistsException', 'names compare without case');
    assert.equal(await errorName(admin.send(new I.CreateUserCommand({ UserName: 'bad name!' }))), 'ValidationError');
    assert.equal(await errorName(admin.send(new I.CreateUserCommand({ UserName: 'x', Path: 'no-slashes' }))), 'ValidationError');

    const me = await admin.send(new I.GetUserCommand({}));
    assert.equal(me.User?.UserName, 'admin');
    assert.equal(me.User?.Arn, arn('user', 'admin'));
    const got = await admin.send(new I.GetUserCommand({ UserName: 'alice' }));
    assert.equal(got.User?.Path, '/eng/');
    assert.equal(await errorName(admin.send(new I.GetUserCommand({ UserName: 'nobody' }))), 'NoSuchEntityException');

    const all = await admin.send(new I.ListUsersCommand({}));
    assert.deepEqual(all.Users?.map((u) => u.UserName).sort(), ['admin', 'alice']);
    assert.equal(all.IsTruncated, false);
    const eng = await admin.send(new I.ListUsersCommand({ PathPrefix: '/eng/' }));
    assert.deepEqual(eng.Users?.map((u) => u.UserName), ['alice']);

    await admin.send(new I.UpdateUserCommand({ UserName: 'alice', NewUserName: 'alice2', NewPath: '/ml/' }));
    assert.equal((await admin.send(new I.GetUserCommand({ UserName: 'alice2' }))).User?.Arn, arn('user', 'ml/alice2'));
    assert.equal(await errorName(admin.send(new I.UpdateUserCommand({ UserName: 'ghost', NewUserName: 'g2' }))), 'NoSuchEntityException');

    await admin.send(new I.DeleteUserCommand({ UserName: 'alice2' }));
    assert.equal(await errorName(admin.send(new I.DeleteUserCommand({ UserName: 'alice2' }))), 'NoSuchEntityException');
  });

  it('tags and untags users', async () => {
    await admin.send(new I.CreateUserCommand({ UserName: 'tagged' }));
    await admin.send(new I.TagUserCommand({ UserName: 'tagged', Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] }));
    await admin.send(new I.TagUserCommand({ UserName: 'tagged', Tags: [{ Key: 'A', Value: '3' }] }));
    let tags = await admin.send(new I.ListUserTagsCommand({ UserName: 'tagged' }));
    assert.deepEqual(tags.Tags?.map((t) => `${t.Key}=${t.Value}`).sort(), ['A=3', 'b=2']);
    await admin.send(new I.UntagUserCommand({ UserName: 'tagged', TagKeys: ['a'] }));
    tags = await admin.send(new I.ListUserTagsCommand({ UserName: 'tagged' }));
    assert.deepEqual(tags.Tags?.map((t) => t.Key), ['b']);
    assert.equal(await errorName(admin.send(new I.TagUserCommand({ UserName: 'tagged', Tags: [{ Key: 'aws:x', Value: '1' }] }))), 'ValidationError');
    const many = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    assert.equal(await errorName(admin.send(new I.TagUserCommand({ UserName: 'tagged', Tags: many }))), 'LimitExceededException');
    assert.equal(await errorName(admin.send(new I.ListUserTagsCommand({ UserName: 'ghost' }))), 'NoSuchEntityException');
    await admin.send(new I.DeleteUserCommand({ UserName: 'tagged' }));
  });
});

describe('groups and membership', () => {
  it('creates groups, adds and removes members, refuses to delete a non-empty group', async () => {
    const g = await admin.send(new I.CreateGroupCommand({ GroupName: 'researchers', Path: '/lab/' }));
    assert.equal(g.Group?.Arn, arn('group', 'lab/researchers'));
    assert.match(g.Group?.GroupId ?? '', /^AGPA/);
    assert.equal(await errorName(admin.send(new I.CreateGroupCommand({ GroupName: 'researchers' }))), 'EntityAlreadyExistsException');

    await admin.send(new I.CreateUserCommand({ UserName: 'bob' }));
    await admin.send(new I.AddUserToGroupCommand({ GroupName: 'researchers', UserName: 'bob' }));
    await admin.send(new I.AddUserToGroupCommand({ GroupName: 'researchers', UserName: 'bob' })); // idempotent
    assert.equal(await errorName(admin.send(new I.AddUserToGroupCommand({ GroupName: 'researchers', UserName: 'ghost' }))), 'NoSuchEntityException');
    assert.equal(await errorName(admin.send(new I.AddUserToGroupCommand({ GroupName: 'ghosts', UserName: 'bob' }))), 'NoSuchEntityException');

    const got = await admin.send(new I.GetGroupCommand({ GroupName: 'researchers' }));
    assert.deepEqual(got.Users?.map((u) => u.UserName), ['bob']);
    assert.deepEqual((await admin.send(new I.ListGroupsForUserCommand({ UserName: 'bob' }))).Groups?.map((x) => x.GroupName), ['researchers']);
    assert.deepEqual((await admin.send(new I.ListGroupsCommand({}))).Groups?.map((x) => x.GroupName), ['researchers']);
    assert.deepEqual((await admin.send(new I.ListGroupsCommand({ PathPrefix: '/other/' }))).Groups, []);
    // A prefix that is not a path is refused, as ListUsers refuses it, and not read as "nothing matches".
    for (const list of [new I.ListGroupsCommand({ PathPrefix: 'lab' }), new I.ListRolesCommand({ PathPrefix: 'no-slash' }), new I.ListPoliciesCommand({ PathPrefix: 'x' }), new I.ListUsersCommand({ PathPrefix: 'eng' })]) {
      assert.equal(await errorName(admin.send(list as never)), 'ValidationError', list.constructor.name);
    }

    assert.equal(await errorName(admin.send(new I.DeleteGroupCommand({ GroupName: 'researchers' }))), 'DeleteConflictException');
    assert.equal(await errorName(admin.send(new I.DeleteUserCommand({ UserName: 'bob' }))), 'DeleteConflictException');

    await admin.send(new I.UpdateGroupCommand({ GroupName: 'researchers', NewGroupName: 'scientists' }));
    assert.deepEqual((await admin.send(new I.GetGroupCommand({ GroupName: 'scientists' }))).Users?.map((u) => u.UserName), ['bob'], 'members follow a renamed group');
    await admin.send(new I.RemoveUserFromGroupCommand({ GroupName: 'scientists', UserName: 'bob' }));
    assert.equal(await errorName(admin.send(new I.RemoveUserFromGroupCommand({ GroupName: 'scientists', UserName: 'bob' }))), 'NoSuchEntityException');
    await admin.send(new I.DeleteGroupCommand({ GroupName: 'scientists' }));
    await admin.send(new I.DeleteUserCommand({ UserName: 'bob' }));
    assert.equal(await errorName(admin.send(new I.GetGroupCommand({ GroupName: 'scientists' }))), 'NoSuchEntityException');
  });
});

describe('roles', () => {
  it('creates roles with a trust policy, updates and deletes them', async () => {
    const r = await admin.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: TRUST, Description: 'jobs', MaxSessionDuration: 7200, Tags: [{ Key: 'k', Value: 'v' }] }));
    assert.equal(r.Role?.Arn, arn('role', 'trainer'));
    assert.match(r.Role?.RoleId ?? '', /^AROA/);
    assert.equal(decodeURIComponent(r.Role?.AssumeRolePolicyDocument ?? ''), TRUST);
    assert.equal(r.Role?.MaxSessionDuration, 7200);

    assert.equal(await errorName(admin.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: TRUST }))), 'EntityAlreadyExistsException');
    assert.equal(await errorName(admin.send(new I.CreateRoleCommand({ RoleName: 'bad', AssumeRolePolicyDocument: '{"Statement": [' }))), 'MalformedPolicyDocumentException');
    assert.equal(await errorName(admin.send(new I.CreateRoleCommand({ RoleName: 'bad', AssumeRolePolicyDocument: doc(allow('sts:AssumeRole')) }))), 'MalformedPolicyDocumentException', 'a trust policy needs a Principal');
    assert.equal(await errorName(admin.send(new I.CreateRoleCommand({ RoleName: 'bad', AssumeRolePolicyDocument: TRUST, MaxSessionDuration: 60 }))), 'ValidationError');

    const got = await admin.send(new I.GetRoleCommand({ RoleName: 'trainer' }));
    assert.equal(got.Role?.Description, 'jobs');
    assert.deepEqual(got.Role?.Tags, [{ Key: 'k', Value: 'v' }]);
    assert.equal(await errorName(admin.send(new I.GetRoleCommand({ RoleName: 'ghost' }))), 'NoSuchEntityException');
    assert.deepEqual((await admin.send(new I.ListRolesCommand({}))).Roles?.map((x) => x.RoleName), ['trainer']);

    await admin.send(new I.UpdateRoleCommand({ RoleName: 'trainer', MaxSessionDuration: 43200 }));
    assert.equal((await admin.send(new I.GetRoleCommand({ RoleName: 'trainer' }))).Role?.MaxSessionDuration, 43200);
    assert.equal(await errorName(admin.send(new I.UpdateRoleCommand({ RoleName: 'trainer', MaxSessionDuration: 50000 }))), 'ValidationError');
    const described = await admin.send(new I.UpdateRoleDescriptionCommand({ RoleName: 'trainer', Description: 'training jobs' }));
    assert.equal(described.Role?.Description, 'training jobs');

    const trust2 = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: arn('user', 'admin') }, Action: 'sts:AssumeRole' }] });
    await admin.send(new I.UpdateAssumeRolePolicyCommand({ RoleName: 'trainer', PolicyDocument: trust2 }));
    assert.equal(decodeURIComponent((await admin.send(new I.GetRoleCommand({ RoleName: 'trainer' }))).Role?.AssumeRolePolicyDocument ?? ''), trust2);
    assert.equal(await errorName(admin.send(new I.UpdateAssumeRolePolicyCommand({ RoleName: 'trainer', PolicyDocument: '{}' }))), 'MalformedPolicyDocumentException');
    assert.equal(await errorName(admin.send(new I.UpdateAssumeRolePolicyCommand({ RoleName: 'ghost', PolicyDocument: TRUST }))), 'NoSuchEntityException');

    await admin.send(new I.TagRoleCommand({ RoleName: 'trainer', Tags: [{ Key: 'cost', Value: 'ml' }] }));
    assert.deepEqual((await admin.send(new I.ListRoleTagsCommand({ RoleName: 'trainer' }))).Tags?.map((t) => t.Key).sort(), ['cost', 'k']);
    await admin.send(new I.UntagRoleCommand({ RoleName: 'trainer', TagKeys: ['k'] }));
    assert.deepEqual((await admin.send(new I.ListRoleTagsCommand({ RoleName: 'trainer' }))).Tags?.map((t) => t.Key), ['cost']);

    await admin.send(new I.DeleteRoleCommand({ RoleName: 'trainer' }));
    assert.equal(await errorName(admin.send(new I.DeleteRoleCommand({ RoleName: 'trainer' }))), 'NoSuchEntityException');
  });
});

describe('managed policies and versions', () => {
  it('keeps at most five versions, switches the default, refuses to delete the default', async () => {
    const v1 = doc(allow('s3:GetObject', 'arn:aws:s3:::data/*'));
    const created = await admin.send(new I.CreatePolicyCommand({ PolicyName: 'read-data', PolicyDocument: v1, Description: 'reads', Path: '/ml/' }));
    const policyArn = created.Policy!.Arn!;
    assert.equal(policyArn, `arn:aws:iam::${ACCT}:policy/ml/read-data`);
    assert.equal(created.Policy?.DefaultVersionId, 'v1');
    assert.match(created.Policy?.PolicyId ?? '', /^ANPA/);
    assert.equal(await errorName(admin.send(new I.CreatePolicyCommand({ PolicyName: 'read-data', PolicyDocument: v1, Path: '/ml/' }))), 'EntityAlreadyExistsException');
    assert.equal(await errorName(admin.send(new I.CreatePolicyCommand({ PolicyName: 'broken', PolicyDocument: doc({ Effect: 'Maybe', Action: '*', Resource: '*' }) }))), 'MalformedPolicyDocumentException');
    assert.equal(await errorName(admin.send(new I.CreatePolicyCommand({ PolicyName: 'broken', PolicyDocument: 'not json' }))), 'MalformedPolicyDocumentException');

    const got = await admin.send(new I.GetPolicyCommand({ PolicyArn: policyArn }));
    assert.equal(got.Policy?.Description, 'reads');
    assert.equal(got.Policy?.AttachmentCount, 0);
    assert.equal(await errorName(admin.send(new I.GetPolicyCommand({ PolicyArn: `arn:aws:iam::${ACCT}:policy/nope` }))), 'NoSuchEntityException');

    const local = await admin.send(new I.ListPoliciesCommand({ Scope: 'Local' }));
    assert.deepEqual(local.Policies?.map((p) => p.PolicyName), ['read-data']);
    const builtins = await admin.send(new I.ListPoliciesCommand({ Scope: 'AWS' }));
    assert.ok(builtins.Policies?.some((p) => p.Arn === 'arn:aws:iam::aws:policy/AdministratorAccess'));
    const attached = await admin.send(new I.ListPoliciesCommand({ OnlyAttached: true }));
    assert.deepEqual(attached.Policies?.map((p) => p.PolicyName), ['AdministratorAccess'], 'only the admin’s policy is attached');
    assert.equal(attached.Policies?.[0]?.AttachmentCount, 1);

    for (let n = 2; n <= 5; n++) {
      const v: I.CreatePolicyVersionCommandOutput = await admin.send(new I.CreatePolicyVersionCommand({ PolicyArn: policyArn, PolicyDocument: doc(allow('s3:GetObject', `arn:aws:s3:::data${n}/*`)), SetAsDefault: n === 4 }));
      assert.equal(v.PolicyVersion?.VersionId, `v${n}`);
      assert.equal(v.PolicyVersion?.IsDefaultVersion, n === 4);
    }
    assert.equal(await errorName(admin.send(new I.CreatePolicyVersionCommand({ PolicyArn: policyArn, PolicyDocument: v1 }))), 'LimitExceededException');
    assert.equal(await errorName(admin.send(new I.CreatePolicyVersionCommand({ PolicyArn: policyArn, PolicyDocument: '{' }))), 'MalformedPolicyDocumentException');
    assert.equal((await admin.send(new I.GetPolicyCommand({ PolicyArn: policyArn }))).Policy?.DefaultVersionId, 'v4');

    const versions = await admin.send(new I.ListPolicyVersionsCommand({ PolicyArn: policyArn }));
    assert.deepEqual(versions.Versions?.map((v) => v.VersionId), ['v5', 'v4', 'v3', 'v2', 'v1']);
    assert.deepEqual(versions.Versions?.filter((v) => v.IsDefaultVersion).map((v) => v.VersionId), ['v4']);

    await admin.send(new I.SetDefaultPolicyVersionCommand({ PolicyArn: policyArn, VersionId: 'v2' }));
    const v2 = await admin.send(new I.GetPolicyVersionCommand({ PolicyArn: policyArn, VersionId: 'v2' }));
    assert.equal(v2.PolicyVersion?.IsDefaultVersion, true);
    assert.match(decodeURIComponent(v2.PolicyVersion?.Document ?? ''), /data2/);
    assert.equal(await errorName(admin.send(new I.GetPolicyVersionCommand({ PolicyArn: policyArn, VersionId: 'v9' }))), 'NoSuchEntityException');
    assert.equal(await errorName(admin.send(new I.SetDefaultPolicyVersionCommand({ PolicyArn: policyArn, VersionId: 'v9' }))), 'NoSuchEntityException');

    assert.equal(await errorName(admin.send(new I.DeletePolicyVersionCommand({ PolicyArn: policyArn, VersionId: 'v2' }))), 'DeleteConflictException');
    await admin.send(new I.DeletePolicyVersionCommand({ PolicyArn: policyArn, VersionId: 'v1' }));
    const v6 = await admin.send(new I.CreatePolicyVersionCommand({ PolicyArn: policyArn, PolicyDocument: v1 }));
    assert.equal(v6.PolicyVersion?.VersionId, 'v6', 'version numbers are not reused');

    // A policy in use cannot be deleted.
    await admin.send(new I.CreateUserCommand({ UserName: 'carol' }));
    await admin.send(new I.AttachUserPolicyCommand({ UserName: 'carol', PolicyArn: policyArn }));
    assert.equal((await admin.send(new I.GetPolicyCommand({ PolicyArn: policyArn }))).Policy?.AttachmentCount, 1);
    assert.equal(await errorName(admin.send(new I.DeletePolicyCommand({ PolicyArn: policyArn }))), 'DeleteConflictException');
    await admin.send(new I.DetachUserPolicyCommand({ UserName: 'carol', PolicyArn: policyArn }));
    await admin.send(new I.DeleteUserCommand({ UserName: 'carol' }));
    // Nor one with versions besides its default (IAM's DeleteConflict): they go first, as Terraform's provider does (review J, j1).
    assert.equal(await errorName(admin.send(new I.DeletePolicyCommand({ PolicyArn: policyArn }))), 'DeleteConflictException');
    for (const v of (await admin.send(new I.ListPolicyVersionsCommand({ PolicyArn: policyArn }))).Versions ?? []) {
      if (!v.IsDefaultVersion) await admin.send(new I.DeletePolicyVersionCommand({ PolicyArn: policyArn, VersionId: v.VersionId }));
    }
    await admin.send(new I.DeletePolicyCommand({ PolicyArn: policyArn }));
    assert.equal(await errorName(admin.send(new I.GetPolicyCommand({ PolicyArn: policyArn }))), 'NoSuchEntityException');

    // The built-in catalogue is shared by every account: nobody changes it.
    const builtin = 'arn:aws:iam::aws:policy/AdministratorAccess';
    assert.equal(await errorName(admin.send(new I.DeletePolicyCommand({ PolicyArn: builtin }))), 'InvalidInputException');
    assert.equal(await errorName(admin.send(new I.CreatePolicyVersionCommand({ PolicyArn: builtin, PolicyDocument: v1 }))), 'InvalidInputException');
    assert.equal(await errorName(admin.send(new I.SetDefaultPolicyVersionCommand({ PolicyArn: builtin, VersionId: 'v1' }))), 'InvalidInputException');
    assert.equal(await errorName(admin.send(new I.DeletePolicyVersionCommand({ PolicyArn: builtin, VersionId: 'v1' }))), 'InvalidInputException');
  });
});

describe('inline and attached policies of users, groups and roles', () => {
  const kinds = [
    { noun: 'User', create: (n: string) => new I.CreateUserCommand({ UserName: n }), remove: (n: string) => new I.DeleteUserCommand({ UserName: n }), param: 'UserName' },
    { noun: 'Group', create: (n: string) => new I.CreateGroupCommand({ GroupName: n }), remove: (n: string) => new I.DeleteGroupCommand({ GroupName: n }), param: 'GroupName' },
    { noun: 'Role', create: (n: string) => new I.CreateRoleCommand({ RoleName: n, AssumeRolePolicyDocument: TRUST }), remove: (n: string) => new I.DeleteRoleCommand({ RoleName: n }), param: 'RoleName' },
  ] as const;

  for (const k of kinds) {
    it(`${k.noun}: Put/Get/List/Delete ${k.noun}Policy and Attach/Detach/ListAttached${k.noun}Policies`, async () => {
      const name = `inline-${k.noun.toLowerCase()}`;
      const who = { [k.param]: name } as Record<string, string>;
      const ghost = { [k.param]: 'ghost' } as Record<string, string>;
      const send = (cmd: unknown) => admin.send(cmd as I.GetUserCommand) as unknown as Promise<Record<string, unknown>>;
      const C = I as unknown as Record<string, new (input: object) => unknown>;
      const cmd = (op: string, input: object) => new (C[`${op}Command`] as new (input: object) => unknown)(input);
      await admin.send(k.create(name) as I.CreateUserCommand);

      const policy = doc(allow('s3:ListBucket', 'arn:aws:s3:::data'));
      await send(cmd(`Put${k.noun}Policy`, { ...who, PolicyName: 'list', PolicyDocument: policy }));
      await send(cmd(`Put${k.noun}Policy`, { ...who, PolicyName: 'list', PolicyDocument: policy })); // replaces
      const got = await send(cmd(`Get${k.noun}Policy`, { ...who, PolicyName: 'list' }));
      assert.equal(got[k.param], name);
      assert.equal(got['PolicyName'], 'list');
      assert.equal(decodeURIComponent(String(got['PolicyDocument'])), policy);
      assert.deepEqual((await send(cmd(`List${k.noun}Policies`, who)))['PolicyNames'], ['list']);
      assert.equal(await errorName(send(cmd(`Put${k.noun}Policy`, { ...who, PolicyName: 'bad', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:Get', Resource: '*', Principal: '*' }) }))), 'MalformedPolicyDocumentException');
      assert.equal(await errorName(send(cmd(`Put${k.noun}Policy`, { ...ghost, PolicyName: 'x', PolicyDocument: policy }))), 'NoSuchEntityException');
      assert.equal(await errorName(send(cmd(`Get${k.noun}Policy`, { ...who, PolicyName: 'nope' }))), 'NoSuchEntityException');

      const builtin = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
      const listed = await admin.send(new I.ListPoliciesCommand({ Scope: 'AWS' }));
      const attachable = listed.Policies?.find((p) => p.Arn === builtin)?.Arn ?? listed.Policies?.find((p) => p.PolicyName !== 'AdministratorAccess')?.Arn;
      assert.ok(attachable, 'the catalogue has more than one policy');
      await send(cmd(`Attach${k.noun}Policy`, { ...who, PolicyArn: attachable }));
      const att = (await send(cmd(`ListAttached${k.noun}Policies`, who)))['AttachedPolicies'] as { PolicyArn: string }[];
      assert.deepEqual(att.map((a) => a.PolicyArn), [attachable]);
      assert.equal(await errorName(send(cmd(`Attach${k.noun}Policy`, { ...who, PolicyArn: `arn:aws:iam::${ACCT}:policy/missing` }))), 'NoSuchEntityException');
      assert.equal(await errorName(send(cmd(`Attach${k.noun}Policy`, { ...ghost, PolicyArn: attachable }))), 'NoSuchEntityException');
      assert.equal(await errorName(send(cmd(`ListAttached${k.noun}Policies`, ghost))), 'NoSuchEntityException');

      // Policies left on an entity keep it from being deleted.
      assert.equal(await errorName(send(k.remove(name))), 'DeleteConflictException');
      await send(cmd(`Detach${k.noun}Policy`, { ...who, PolicyArn: attachable }));
      assert.equal(await errorName(send(cmd(`Detach${k.noun}Policy`, { ...who, PolicyArn: attachable }))), 'NoSuchEntityException');
      await send(cmd(`Delete${k.noun}Policy`, { ...who, PolicyName: 'list' }));
      assert.equal(await errorName(send(cmd(`Delete${k.noun}Policy`, { ...who, PolicyName: 'list' }))), 'NoSuchEntityException');
      assert.deepEqual((await send(cmd(`List${k.noun}Policies`, who)))['PolicyNames'], []);
      await send(k.remove(name));
    });
  }

  it('refuses an eleventh managed policy on one entity', async () => {
    await admin.send(new I.CreateUserCommand({ UserName: 'collector' }));
    const arns: string[] = [];
    for (let i = 0; i < 11; i++) {
      const p = await admin.send(new I.CreatePolicyCommand({ PolicyName: `many-${i}`, PolicyDocument: doc(allow('s3:GetObject', `arn:aws:s3:::b${i}/*`)) }));
      arns.push(p.Policy!.Arn!);
    }
    for (const a of arns.slice(0, 10)) await admin.send(new I.AttachUserPolicyCommand({ UserName: 'collector', PolicyArn: a }));
    assert.equal(await errorName(admin.send(new I.AttachUserPolicyCommand({ UserName: 'collector', PolicyArn: arns[10] }))), 'LimitExceededException');
    for (const a of arns.slice(0, 10)) await admin.send(new I.DetachUserPolicyCommand({ UserName: 'collector', PolicyArn: a }));
    for (const a of arns) await admin.send(new I.DeletePolicyCommand({ PolicyArn: a }));
    await admin.send(new I.DeleteUserCommand({ UserName: 'collector' }));
  });
});

describe('permissions boundaries', () => {
  it('sets and removes boundaries of users and roles, and they limit what the user may do', async () => {
    const boundary = await admin.send(new I.CreatePolicyCommand({ PolicyName: 'only-list-users', PolicyDocument: doc(allow('iam:ListUsers')) }));
    const boundaryArn = boundary.Policy!.Arn!;
    const { client: dave } = await userWithKey('dave', doc(allow('iam:*')));
    await admin.send(new I.CreateRoleCommand({ RoleName: 'bounded', AssumeRolePolicyDocument: TRUST, PermissionsBoundary: boundaryArn }));
    assert.equal((await admin.send(new I.GetRoleCommand({ RoleName: 'bounded' }))).Role?.PermissionsBoundary?.PermissionsBoundaryArn, boundaryArn);

    await dave.send(new I.ListRolesCommand({}));
    await admin.send(new I.PutUserPermissionsBoundaryCommand({ UserName: 'dave', PermissionsBoundary: boundaryArn }));
    const u = await admin.send(new I.GetUserCommand({ UserName: 'dave' }));
    assert.deepEqual(u.User?.PermissionsBoundary, { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: boundaryArn });
    await dave.send(new I.ListUsersCommand({}));
    assert.equal(await errorName(dave.send(new I.ListRolesCommand({}))), 'AccessDenied', 'the boundary caps the user’s iam:*');
    assert.equal(await errorName(admin.send(new I.DeletePolicyCommand({ PolicyArn: boundaryArn }))), 'DeleteConflictException', 'a policy in use as a boundary');
    assert.equal(await errorName(admin.send(new I.PutUserPermissionsBoundaryCommand({ UserName: 'dave', PermissionsBoundary: `arn:aws:iam::${ACCT}:policy/missing` }))), 'NoSuchEntityException');

    await admin.send(new I.DeleteUserPermissionsBoundaryCommand({ UserName: 'dave' }));
    assert.equal((await admin.send(new I.GetUserCommand({ UserName: 'dave' }))).User?.PermissionsBoundary, undefined);
    await dave.send(new I.ListRolesCommand({}));

    await admin.send(new I.DeleteRolePermissionsBoundaryCommand({ RoleName: 'bounded' }));
    assert.equal((await admin.send(new I.GetRoleCommand({ RoleName: 'bounded' }))).Role?.PermissionsBoundary, undefined);
    await admin.send(new I.PutRolePermissionsBoundaryCommand({ RoleName: 'bounded', PermissionsBoundary: boundaryArn }));
    assert.equal((await admin.send(new I.GetRoleCommand({ RoleName: 'bounded' }))).Role?.PermissionsBoundary?.PermissionsBoundaryArn, boundaryArn);
    assert.equal(await errorName(admin.send(new I.PutRolePermissionsBoundaryCommand({ RoleName: 'ghost', PermissionsBoundary: boundaryArn }))), 'NoSuchEntityException');
    await admin.send(new I.DeleteRolePermissionsBoundaryCommand({ RoleName: 'bounded' }));
    await admin.send(new I.DeleteRoleCommand({ RoleName: 'bounded' }));
    await admin.send(new I.DeletePolicyCommand({ PolicyArn: boundaryArn }));
  });
});

describe('access keys and authentication', () => {
  it('allows two keys per user, refuses an inactive key, deletes keys', async () => {
    await admin.send(new I.CreateUserCommand({ UserName: 'erin' }));
    await admin.send(new I.PutUserPolicyCommand({ UserName: 'erin', PolicyName: 'self', PolicyDocument: doc(allow(['iam:GetUser', 'iam:ListAccessKeys', 'iam:GetAccessKeyLastUsed'], arn('user', 'erin'))) }));
    const k1 = (await admin.send(new I.CreateAccessKeyCommand({ UserName: 'erin' }))).AccessKey!;
    assert.match(k1.AccessKeyId!, /^AKIA[A-Z2-7]{16}$/);
    assert.equal(k1.Status, 'Active');
    assert.ok((k1.SecretAccessKey ?? '').length >= 40);
    const k2 = (await admin.send(new I.CreateAccessKeyCommand({ UserName: 'erin' }))).AccessKey!;
    assert.equal(await errorName(admin.send(new I.CreateAccessKeyCommand({ UserName: 'erin' }))), 'LimitExceededException');
    assert.equal(await errorName(admin.send(new I.CreateAccessKeyCommand({ UserName: 'ghost' }))), 'NoSuchEntityException');

    const listed = await admin.send(new I.ListAccessKeysCommand({ UserName: 'erin' }));
    assert.deepEqual(listed.AccessKeyMetadata?.map((k) => k.AccessKeyId).sort(), [k1.AccessKeyId, k2.AccessKeyId].sort());
    assert.ok(listed.AccessKeyMetadata?.every((k) => (k as { SecretAccessKey?: string }).SecretAccessKey === undefined), 'secrets are shown once');

    // Never used yet: N/A and no date, as AWS answers.
    const fresh = await admin.send(new I.GetAccessKeyLastUsedCommand({ AccessKeyId: k1.AccessKeyId! }));
    assert.deepEqual(fresh.AccessKeyLastUsed, { ServiceName: 'N/A', Region: 'N/A' });
    const usedFrom = Math.floor(Date.now() / 1000) * 1000;
    const erin = client({ accessKeyId: k1.AccessKeyId!, secretAccessKey: k1.SecretAccessKey! });
    assert.equal((await erin.send(new I.GetUserCommand({}))).User?.UserName, 'erin');
    assert.equal((await erin.send(new I.ListAccessKeysCommand({}))).AccessKeyMetadata?.length, 2, 'without UserName: the caller’s own keys');
    const lastUsed = await admin.send(new I.GetAccessKeyLastUsedCommand({ AccessKeyId: k1.AccessKeyId! }));
    assert.equal(lastUsed.UserName, 'erin');
    assert.equal(lastUsed.AccessKeyLastUsed?.ServiceName, 'iam');
    assert.equal(lastUsed.AccessKeyLastUsed?.Region, REGION);
    const at = lastUsed.AccessKeyLastUsed?.LastUsedDate;
    assert.ok(at instanceof Date && at.getTime() >= usedFrom && at.getTime() <= Date.now(), `last used ${at?.toISOString()}`);
    // A request signed with the wrong secret is refused, and is not a use of the key.
    const forged = client({ accessKeyId: k2.AccessKeyId!, secretAccessKey: `${k2.SecretAccessKey!.slice(0, -1)}${k2.SecretAccessKey!.endsWith('x') ? 'y' : 'x'}` });
    assert.equal(await errorName(forged.send(new I.GetUserCommand({}))), 'SignatureDoesNotMatch');
    assert.deepEqual((await admin.send(new I.GetAccessKeyLastUsedCommand({ AccessKeyId: k2.AccessKeyId! }))).AccessKeyLastUsed, { ServiceName: 'N/A', Region: 'N/A' });
    assert.equal(await errorName(admin.send(new I.GetAccessKeyLastUsedCommand({ AccessKeyId: 'AKIANOSUCHKEY0000000' }))), 'NoSuchEntityException');

    await admin.send(new I.UpdateAccessKeyCommand({ UserName: 'erin', AccessKeyId: k1.AccessKeyId!, Status: 'Inactive' }));
    assert.equal(await errorName(erin.send(new I.GetUserCommand({}))), 'InvalidClientTokenId', 'an inactive key does not authenticate');
    assert.equal(await errorName(admin.send(new I.UpdateAccessKeyCommand({ UserName: 'erin', AccessKeyId: k1.AccessKeyId!, Status: 'Sleeping' as I.StatusType }))), 'ValidationError');
    await admin.send(new I.UpdateAccessKeyCommand({ UserName: 'erin', AccessKeyId: k1.AccessKeyId!, Status: 'Active' }));
    assert.equal((await erin.send(new I.GetUserCommand({}))).User?.UserName, 'erin');

    assert.equal(await errorName(admin.send(new I.DeleteUserCommand({ UserName: 'erin' }))), 'DeleteConflictException', 'a user with keys');
    await admin.send(new I.DeleteAccessKeyCommand({ UserName: 'erin', AccessKeyId: k1.AccessKeyId! }));
    assert.equal(await errorName(admin.send(new I.DeleteAccessKeyCommand({ UserName: 'erin', AccessKeyId: k1.AccessKeyId! }))), 'NoSuchEntityException');
    assert.equal(await errorName(erin.send(new I.GetUserCommand({}))), 'InvalidClientTokenId', 'a deleted key does not authenticate');
    await admin.send(new I.DeleteAccessKeyCommand({ UserName: 'erin', AccessKeyId: k2.AccessKeyId! }));
    await admin.send(new I.DeleteUserPolicyCommand({ UserName: 'erin', PolicyName: 'self' }));
    await admin.send(new I.DeleteUserCommand({ UserName: 'erin' }));
  });

  it('answers InvalidClientTokenId for an unknown key, SignatureDoesNotMatch for a wrong secret, AccessDenied without permission', async () => {
    const unknown = client({ accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x'.repeat(40) });
    assert.equal(await errorName(unknown.send(new I.ListUsersCommand({}))), 'InvalidClientTokenId');
    // Change the last character to a different one (a fixed replacement would match the real one 1 time in 64).
    const secret = server.admin.secretAccessKey;
    const wrong = client({ accessKeyId: server.admin.accessKeyId, secretAccessKey: `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}` });
    assert.equal(await errorName(wrong.send(new I.ListUsersCommand({}))), 'SignatureDoesNotMatch');

    const { client: frank } = await userWithKey('frank');
    const e = await frank.send(new I.ListUsersCommand({})).catch((x: unknown) => x as Error & { $metadata?: { httpStatusCode?: number } });
    assert.equal((e as Error).name, 'AccessDenied');
    assert.equal((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode, 403);
    assert.match((e as Error).message, /User: arn:aws:iam::000000000000:user\/frank is not authorized to perform: iam:ListUsers/);
    assert.equal(await errorName(frank.send(new I.CreateUserCommand({ UserName: 'x' }))), 'AccessDenied');
    assert.equal((await frank.send(new I.GetUserCommand({}))).User?.UserName, 'frank', 'GetUser on oneself needs no permission');
  });

  it('delegates administration: iam:* on role/team-* creates team-x but not other', async () => {
    const { client: lead } = await userWithKey('team-lead', doc(allow('iam:*', `arn:aws:iam::${ACCT}:role/team-*`)));
    const r = await lead.send(new I.CreateRoleCommand({ RoleName: 'team-x', AssumeRolePolicyDocument: TRUST }));
    assert.equal(r.Role?.Arn, arn('role', 'team-x'));
    await lead.send(new I.PutRolePolicyCommand({ RoleName: 'team-x', PolicyName: 'p', PolicyDocument: doc(allow('s3:GetObject', 'arn:aws:s3:::team/*')) }));
    const denied = await lead.send(new I.CreateRoleCommand({ RoleName: 'other', AssumeRolePolicyDocument: TRUST })).catch((x: unknown) => x as Error);
    assert.equal((denied as Error).name, 'AccessDenied');
    assert.match((denied as Error).message, /iam:CreateRole on resource: arn:aws:iam::000000000000:role\/other/);
    assert.equal(await errorName(lead.send(new I.CreateUserCommand({ UserName: 'team-y' }))), 'AccessDenied', 'roles only');
    assert.equal(await errorName(admin.send(new I.GetRoleCommand({ RoleName: 'other' }))), 'NoSuchEntityException');
    await lead.send(new I.DeleteRolePolicyCommand({ RoleName: 'team-x', PolicyName: 'p' }));
    await lead.send(new I.DeleteRoleCommand({ RoleName: 'team-x' }));
  });
});

describe('policy simulator', () => {
  const READ = doc(
    allow('s3:GetObject', 'arn:aws:s3:::data/*'),
    deny('s3:GetObject', 'arn:aws:s3:::data/secret/*'),
  );

  before(async () => {
    await admin.send(new I.CreateUserCommand({ UserName: 'sim', Tags: [{ Key: 'team', Value: 'vision' }] }));
    await admin.send(new I.PutUserPolicyCommand({ UserName: 'sim', PolicyName: 'read', PolicyDocument: READ }));
    await admin.send(new I.CreateGroupCommand({ GroupName: 'simgroup' }));
    await admin.send(new I.AddUserToGroupCommand({ GroupName: 'simgroup', UserName: 'sim' }));
    await admin.send(
      new I.PutGroupPolicyCommand({
        GroupName: 'simgroup',
        PolicyName: 'team-tables',
        PolicyDocument: doc(allow('odps:Read', 'acs:odps:*:*:projects/*', { Condition: { StringEquals: { 'aws:PrincipalTag/team': 'vision' } } })),
      }),
    );
    await admin.send(new I.CreateRoleCommand({ RoleName: 'simrole', AssumeRolePolicyDocument: TRUST }));
    await admin.send(new I.AttachRolePolicyCommand({ RoleName: 'simrole', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
  });

  it('SimulatePrincipalPolicy: decisions, matched statements with positions, group policies', async () => {
    const r = await admin.send(
      new I.SimulatePrincipalPolicyCommand({
        PolicySourceArn: arn('user', 'sim'),
        ActionNames: ['s3:GetObject', 's3:PutObject'],
        ResourceArns: ['arn:aws:s3:::data/a.csv', 'arn:aws:s3:::data/secret/key'],
      }),
    );
    const by = (a: string, res: string) => r.EvaluationResults?.find((x) => x.EvalActionName === a && x.EvalResourceName === res);
    assert.equal(r.EvaluationResults?.length, 4);
    const allowed = by('s3:GetObject', 'arn:aws:s3:::data/a.csv');
    assert.equal(allowed?.EvalDecision, 'allowed');
    assert.equal(allowed?.MatchedStatements?.length, 1);
    const m = allowed!.MatchedStatements![0]!;
    assert.equal(m.SourcePolicyId, 'read');
    assert.equal(m.SourcePolicyType, 'user');
    // READ is one line: the first statement starts after `{"Version":"2012-10-17","Statement":[`.
    const start = READ.indexOf('{', 1);
    assert.deepEqual(m.StartPosition, { Line: 1, Column: start + 1 });
    assert.deepEqual(m.EndPosition, { Line: 1, Column: READ.indexOf('},{') + 2 });
    const denied = by('s3:GetObject', 'arn:aws:s3:::data/secret/key');
    assert.equal(denied?.EvalDecision, 'explicitDeny');
    assert.deepEqual(denied?.MatchedStatements?.map((s) => s.SourcePolicyId), ['read']);
    assert.equal(denied?.MatchedStatements?.[0]?.StartPosition?.Column, READ.indexOf('},{') + 3);
    assert.equal(by('s3:PutObject', 'arn:aws:s3:::data/a.csv')?.EvalDecision, 'implicitDeny');
    assert.deepEqual(by('s3:PutObject', 'arn:aws:s3:::data/a.csv')?.MatchedStatements, []);

    // The group's policy, with the user's tag from the directory; a context entry overrides the tag.
    const table = 'acs:odps:*:*:projects/p1';
    const fromDirectory = await admin.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: arn('user', 'sim'), ActionNames: ['odps:Read'], ResourceArns: [table] }));
    assert.equal(fromDirectory.EvaluationResults?.[0]?.EvalDecision, 'allowed');
    assert.deepEqual(fromDirectory.EvaluationResults?.[0]?.MatchedStatements?.map((s) => [s.SourcePolicyId, s.SourcePolicyType]), [['team-tables', 'group']]);
    assert.deepEqual(fromDirectory.EvaluationResults?.[0]?.MissingContextValues, []);
    const overridden = await admin.send(
      new I.SimulatePrincipalPolicyCommand({
        PolicySourceArn: arn('user', 'sim'),
        ActionNames: ['odps:Read'],
        ResourceArns: [table],
        ContextEntries: [{ ContextKeyName: 'aws:PrincipalTag/team', ContextKeyValues: ['audio'], ContextKeyType: 'string' }],
      }),
    );
    assert.equal(overridden.EvaluationResults?.[0]?.EvalDecision, 'implicitDeny', 'ContextEntries override the directory');

    // A role, with a built-in managed policy; ResourceArns defaults to `*`.
    const role = await admin.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: arn('role', 'simrole'), ActionNames: ['ec2:RunInstances'] }));
    assert.equal(role.EvaluationResults?.[0]?.EvalResourceName, '*');
    assert.equal(role.EvaluationResults?.[0]?.EvalDecision, 'allowed');
    assert.deepEqual(role.EvaluationResults?.[0]?.MatchedStatements?.map((s) => [s.SourcePolicyId, s.SourcePolicyType]), [['AdministratorAccess', 'aws-managed']]);

    // A group on its own.
    const group = await admin.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: arn('group', 'simgroup'), ActionNames: ['s3:GetObject'], ResourceArns: ['arn:aws:s3:::data/a.csv'] }));
    assert.equal(group.EvaluationResults?.[0]?.EvalDecision, 'implicitDeny');
  });

  it('SimulatePrincipalPolicy: PolicyInputList, PermissionsBoundaryPolicyInputList, ResourcePolicy with CallerArn, MissingContextValues', async () => {
    const extra = doc(allow('s3:PutObject', 'arn:aws:s3:::data/*', { Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }));
    // The keys to give (review fe, 1; test/simulate-review-fe1-context-keys.review.ts).
    assert.deepEqual((await admin.send(new I.GetContextKeysForCustomPolicyCommand({ PolicyInputList: [extra] }))).ContextKeyNames, ['aws:SourceIp']);
    assert.ok((await admin.send(new I.GetContextKeysForPrincipalPolicyCommand({ PolicySourceArn: arn('user', 'sim'), PolicyInputList: [extra] }))).ContextKeyNames?.includes('aws:SourceIp'));
    const withInput = await admin.send(
      new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: arn('user', 'sim'), ActionNames: ['s3:PutObject'], ResourceArns: ['arn:aws:s3:::data/x'], PolicyInputList: [extra] }),
    );
    assert.equal(withInput.EvaluationResults?.[0]?.EvalDecision, 'implicitDeny');
    assert.deepEqual(withInput.EvaluationResults?.[0]?.MissingContextValues, ['aws:SourceIp']);
    const withIp = await admin.send(
      new I.SimulatePrincipalPolicyCommand({
        PolicySourceArn: arn('user', 'sim'),
        ActionNames: ['s3:PutObject'],
        ResourceArns: ['arn:aws:s3:::data/x'],
        PolicyInputList: [extra],
        ContextEntries: [{ ContextKeyName: 'aws:SourceIp', ContextKeyValues: ['10.1.2.3'], ContextKeyType: 'ip' }],
      }),
    );
    assert.equal(withIp.EvaluationResults?.[0]?.EvalDecision, 'allowed');
    assert.deepEqual(withIp.EvaluationResults?.[0]?.MatchedStatements?.map((s) => [s.SourcePolicyId, s.SourcePolicyType]), [['PolicyInputList.1', 'none']]);
    assert.deepEqual(withIp.EvaluationResults?.[0]?.MissingContextValues, []);

    const bounded = await admin.send(
      new I.SimulatePrincipalPolicyCommand({
        PolicySourceArn: arn('user', 'sim'),
        ActionNames: ['s3:GetObject'],
        ResourceArns: ['arn:aws:s3:::data/a.csv'],
        PermissionsBoundaryPolicyInputList: [doc(allow('s3:ListBucket'))],
      }),
    );
    assert.equal(bounded.EvaluationResults?.[0]?.EvalDecision, 'implicitDeny');
    assert.equal(bounded.EvaluationResults?.[0]?.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary, false);

    // The entity's own boundary from the directory, replaced by a PermissionsBoundaryPolicyInputList.
    const b = await admin.send(new I.CreatePolicyCommand({ PolicyName: 'sim-boundary', PolicyDocument: doc(allow('s3:ListBucket')) }));
    await admin.send(new I.PutUserPermissionsBoundaryCommand({ UserName: 'sim', PermissionsBoundary: b.Policy!.Arn! }));
    const capped = await admin.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: arn('user', 'sim'), ActionNames: ['s3:GetObject'], ResourceArns: ['arn:aws:s3:::data/a.csv'] }));
    assert.equal(capped.EvaluationResults?.[0]?.EvalDecision, 'implicitDeny');
    assert.equal(capped.EvaluationResults?.[0]?.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary, false);
    const replaced = await admin.send(
      new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: arn('user', 'sim'), ActionNames: ['s3:GetObject'], ResourceArns: ['arn:aws:s3:::data/a.csv'], PermissionsBoundaryPolicyInputList: [doc(allow('s3:*'))] }),
    );
    assert.equal(replaced.EvaluationResults?.[0]?.EvalDecision, 'allowed');
    assert.equal(replaced.EvaluationResults?.[0]?.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary, true);
    await admin.send(new I.DeleteUserPermissionsBoundaryCommand({ UserName: 'sim' }));

    const bucketPolicy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: arn('user', 'sim') }, Action: 's3:PutObject', Resource: 'arn:aws:s3:::data/*' }] });
    const viaResource = await admin.send(
      new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: arn('user', 'sim'), ActionNames: ['s3:PutObject'], ResourceArns: ['arn:aws:s3:::data/x'], ResourcePolicy: bucketPolicy, CallerArn: arn('user', 'sim') }),
    );
    assert.equal(viaResource.EvaluationResults?.[0]?.EvalDecision, 'allowed');
    assert.deepEqual(viaResource.EvaluationResults?.[0]?.MatchedStatements?.map((s) => [s.SourcePolicyId, s.SourcePolicyType]), [['ResourcePolicy', 'resource']]);
    const otherCaller = await admin.send(
      new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: arn('user', 'sim'), ActionNames: ['s3:PutObject'], ResourceArns: ['arn:aws:s3:::data/x'], ResourcePolicy: bucketPolicy, CallerArn: arn('user', 'admin') }),
    );
    assert.equal(otherCaller.EvaluationResults?.[0]?.EvalDecision, 'implicitDeny', 'the bucket policy names sim, not the simulated caller');

    assert.equal(await errorName(admin.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: arn('user', 'ghost'), ActionNames: ['s3:GetObject'] }))), 'NoSuchEntityException');
    assert.equal(await errorName(admin.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: arn('user', 'sim'), ActionNames: ['s3:GetObject'], PolicyInputList: ['{'] }))), 'MalformedPolicyDocumentException');
    assert.equal(await errorName(admin.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: arn('user', 'sim'), ActionNames: [] }))), 'ValidationError');
    assert.equal(await errorName(admin.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: arn('role', 'simrole'), ActionNames: ['s3:GetObject'], ResourcePolicy: bucketPolicy }))), 'InvalidInputException', 'CallerArn is required');
  });

  it('SimulateCustomPolicy, and both simulations are authorized by the engine', async () => {
    const r = await admin.send(
      new I.SimulateCustomPolicyCommand({
        PolicyInputList: [doc(allow('s3:*', 'arn:aws:s3:::data/*')), doc(deny('s3:DeleteObject'))],
        ActionNames: ['s3:GetObject', 's3:DeleteObject', 'ec2:RunInstances'],
        ResourceArns: ['arn:aws:s3:::data/k'],
      }),
    );
    assert.deepEqual(r.EvaluationResults?.map((x) => x.EvalDecision), ['allowed', 'explicitDeny', 'implicitDeny']);
    assert.deepEqual(r.EvaluationResults?.[1]?.MatchedStatements?.map((s) => s.SourcePolicyId), ['PolicyInputList.2']);
    const paged = await admin.send(new I.SimulateCustomPolicyCommand({ PolicyInputList: [doc(allow('s3:*'))], ActionNames: ['s3:GetObject', 's3:PutObject', 's3:ListBucket'], MaxItems: 2 }));
    assert.equal(paged.EvaluationResults?.length, 2);
    assert.equal(paged.IsTruncated, true);
    const rest = await admin.send(new I.SimulateCustomPolicyCommand({ PolicyInputList: [doc(allow('s3:*'))], ActionNames: ['s3:GetObject', 's3:PutObject', 's3:ListBucket'], MaxItems: 2, Marker: paged.Marker }));
    assert.deepEqual(rest.EvaluationResults?.map((x) => x.EvalActionName), ['s3:ListBucket']);
    assert.equal(rest.IsTruncated, false);

    assert.equal(await errorName(admin.send(new I.SimulateCustomPolicyCommand({ PolicyInputList: [], ActionNames: ['s3:GetObject'] }))), 'ValidationError');
    assert.equal(await errorName(admin.send(new I.SimulateCustomPolicyCommand({ PolicyInputList: [doc({ Effect: 'Allow' })], ActionNames: ['s3:GetObject'] }))), 'MalformedPolicyDocumentException');

    const { client: sim2 } = await userWithKey('simulator', doc(allow('iam:SimulatePrincipalPolicy', arn('user', 'sim'))));
    const own = await sim2.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: arn('user', 'sim'), ActionNames: ['s3:GetObject'], ResourceArns: ['arn:aws:s3:::data/a'] }));
    assert.equal(own.EvaluationResults?.[0]?.EvalDecision, 'allowed');
    assert.equal(await errorName(sim2.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: arn('user', 'admin'), ActionNames: ['s3:GetObject'] }))), 'AccessDenied');
    assert.equal(await errorName(sim2.send(new I.SimulateCustomPolicyCommand({ PolicyInputList: [doc(allow('*'))], ActionNames: ['s3:GetObject'] }))), 'AccessDenied');
  });
});

describe('GetAccountAuthorizationDetails', () => {
  it('lists users, groups, roles and managed policies with their versions, by filter', async () => {
    await admin.send(new I.CreateUserCommand({ UserName: 'gaad', Tags: [{ Key: 't', Value: '1' }] }));
    await admin.send(new I.CreateGroupCommand({ GroupName: 'gaad-group' }));
    await admin.send(new I.AddUserToGroupCommand({ GroupName: 'gaad-group', UserName: 'gaad' }));
    const p = await admin.send(new I.CreatePolicyCommand({ PolicyName: 'gaad-policy', PolicyDocument: doc(allow('s3:GetObject', 'arn:aws:s3:::g/*')) }));
    await admin.send(new I.CreatePolicyVersionCommand({ PolicyArn: p.Policy!.Arn!, PolicyDocument: doc(allow('s3:GetObject', 'arn:aws:s3:::g2/*')), SetAsDefault: true }));
    await admin.send(new I.AttachGroupPolicyCommand({ GroupName: 'gaad-group', PolicyArn: p.Policy!.Arn! }));
    await admin.send(new I.PutUserPolicyCommand({ UserName: 'gaad', PolicyName: 'inline', PolicyDocument: doc(allow('s3:ListBucket', 'arn:aws:s3:::g')) }));
    await admin.send(new I.CreateRoleCommand({ RoleName: 'gaad-role', AssumeRolePolicyDocument: TRUST }));
    await admin.send(new I.PutRolePolicyCommand({ RoleName: 'gaad-role', PolicyName: 'r', PolicyDocument: doc(allow('s3:GetObject')) }));

    const all = await admin.send(new I.GetAccountAuthorizationDetailsCommand({}));
    assert.equal(all.IsTruncated, false);
    const user = all.UserDetailList?.find((u) => u.UserName === 'gaad');
    assert.equal(user?.Arn, arn('user', 'gaad'));
    assert.deepEqual(user?.GroupList, ['gaad-group']);
    assert.deepEqual(user?.UserPolicyList?.map((x) => x.PolicyName), ['inline']);
    assert.match(decodeURIComponent(user?.UserPolicyList?.[0]?.PolicyDocument ?? ''), /s3:ListBucket/);
    assert.deepEqual(user?.Tags, [{ Key: 't', Value: '1' }]);
    const adminUser = all.UserDetailList?.find((u) => u.UserName === 'admin');
    assert.deepEqual(adminUser?.AttachedManagedPolicies, [{ PolicyName: 'AdministratorAccess', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }]);
    const group = all.GroupDetailList?.find((g) => g.GroupName === 'gaad-group');
    assert.deepEqual(group?.AttachedManagedPolicies?.map((a) => a.PolicyName), ['gaad-policy']);
    const role = all.RoleDetailList?.find((r) => r.RoleName === 'gaad-role');
    assert.equal(decodeURIComponent(role?.AssumeRolePolicyDocument ?? ''), TRUST);
    assert.deepEqual(role?.RolePolicyList?.map((x) => x.PolicyName), ['r']);
    const pol = all.Policies?.find((x) => x.PolicyName === 'gaad-policy');
    assert.equal(pol?.DefaultVersionId, 'v2');
    assert.equal(pol?.AttachmentCount, 1);
    assert.deepEqual(pol?.PolicyVersionList?.map((v) => [v.VersionId, v.IsDefaultVersion]), [['v2', true], ['v1', false]]);
    assert.match(decodeURIComponent(pol?.PolicyVersionList?.[0]?.Document ?? ''), /g2/);
    assert.ok(all.Policies?.some((x) => x.PolicyName === 'AdministratorAccess'), 'an attached built-in policy is listed');
    assert.ok(!all.Policies?.some((x) => x.Arn?.startsWith('arn:aws:iam::aws:') && x.AttachmentCount === 0), 'unattached built-ins are not');

    const rolesOnly = await admin.send(new I.GetAccountAuthorizationDetailsCommand({ Filter: ['Role'] }));
    assert.deepEqual(rolesOnly.UserDetailList, []);
    assert.deepEqual(rolesOnly.Policies, []);
    assert.ok(rolesOnly.RoleDetailList?.some((r) => r.RoleName === 'gaad-role'));
    const localOnly = await admin.send(new I.GetAccountAuthorizationDetailsCommand({ Filter: ['LocalManagedPolicy'] }));
    assert.ok(localOnly.Policies?.every((x) => !x.Arn?.startsWith('arn:aws:iam::aws:')));
    assert.equal(await errorName(admin.send(new I.GetAccountAuthorizationDetailsCommand({ Filter: ["Nope" as I.EntityType] }))), 'ValidationError');
    const { client: nobody } = await userWithKey('gaad-nobody');
    assert.equal(await errorName(nobody.send(new I.GetAccountAuthorizationDetailsCommand({}))), 'AccessDenied');
  });
});

describe('acs partition', () => {
  it('an account created with the app is managed with its own admin key: acs:ram ARNs, LTAI keys, ram: actions', async () => {
    const app = await server.openApp();
    const root = await app.authenticate(server.admin.accessKeyId);
    assert.ok(root.ok);
    const created = await app.createAccount(root.value.caller, { id: '123456789012', partition: 'acs', name: 'aliyun' });
    assert.ok(created.ok, JSON.stringify(!created.ok && created.errors));
    assert.match(created.value.AccessKeyId, /^LTAI[A-Z2-7]{20}$/);
    const ram = client({ accessKeyId: created.value.AccessKeyId, secretAccessKey: created.value.SecretAccessKey });

    assert.equal((await ram.send(new I.GetUserCommand({}))).User?.Arn, 'acs:ram::123456789012:user/admin');
    const u = await ram.send(new I.CreateUserCommand({ UserName: 'ram-user', Path: '/ignored/' }));
    assert.equal(u.User?.Arn, 'acs:ram::123456789012:user/ram-user', 'RAM ARNs have no path');
    const r = await ram.send(new I.CreateRoleCommand({ RoleName: 'pai-role', AssumeRolePolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Principal: { Service: ['pai.aliyuncs.com'] }, Action: 'sts:AssumeRole' }] }) }));
    assert.equal(r.Role?.Arn, 'acs:ram::123456789012:role/pai-role');
    const p = await ram.send(new I.CreatePolicyCommand({ PolicyName: 'list-users', PolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'ram:ListUsers', Resource: '*' }] }) }));
    assert.equal(p.Policy?.Arn, 'acs:ram::123456789012:policy/list-users');
    await ram.send(new I.AttachUserPolicyCommand({ UserName: 'ram-user', PolicyArn: p.Policy!.Arn! }));
    const k = (await ram.send(new I.CreateAccessKeyCommand({ UserName: 'ram-user' }))).AccessKey!;
    assert.match(k.AccessKeyId!, /^LTAI/);

    const sub = client({ accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! });
    assert.deepEqual((await sub.send(new I.ListUsersCommand({}))).Users?.map((x) => x.UserName).sort(), ['admin', 'ram-user'], 'ram:ListUsers authorizes ListUsers');
    const denied = await sub.send(new I.CreateUserCommand({ UserName: 'x' })).catch((e: unknown) => e as Error);
    assert.equal((denied as Error).name, 'AccessDenied');
    assert.match((denied as Error).message, /acs:ram::123456789012:user\/ram-user is not authorized to perform: ram:CreateUser/);

    // An `iam:` grant means nothing in an acs account.
    await ram.send(new I.PutUserPolicyCommand({ UserName: 'ram-user', PolicyName: 'iam-style', PolicyDocument: doc(allow('iam:CreateUser')) }));
    assert.equal(await errorName(sub.send(new I.CreateUserCommand({ UserName: 'x' }))), 'AccessDenied');

    // The accounts are apart: the acs admin sees none of the root account's users, nor what it attaches.
    assert.deepEqual((await ram.send(new I.ListPoliciesCommand({ OnlyAttached: true }))).Policies?.map((x) => x.PolicyName), ['list-users']);
    assert.equal((await ram.send(new I.GetPolicyCommand({ PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }))).Policy?.AttachmentCount, 0);
    assert.equal(await errorName(ram.send(new I.GetUserCommand({ UserName: 'sim' }))), 'NoSuchEntityException');
    const sim = await ram.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: 'acs:ram::123456789012:user/ram-user', ActionNames: ['ram:ListUsers', 'ram:CreateUser'] }));
    assert.deepEqual(sim.EvaluationResults?.map((x) => x.EvalDecision), ['allowed', 'implicitDeny']);
    assert.deepEqual(sim.EvaluationResults?.[0]?.MatchedStatements?.map((s) => [s.SourcePolicyId, s.SourcePolicyType]), [['list-users', 'user-managed']]);

    // Only the root account's admins create accounts.
    const acsAdmin = await app.authenticate(created.value.AccessKeyId);
    assert.ok(acsAdmin.ok);
    const refused = await app.createAccount(acsAdmin.value.caller, { id: '210987654321', partition: 'aws' });
    assert.equal(!refused.ok && refused.errors[0]?.code, 'ACCESS_DENIED');
  });
});

describe('OpenID Connect providers', () => {
  // The full story (AssumeRoleWithWebIdentity, a second issuer, inline keys) is in sts-web-identity.test.ts.
  it('registers the server’s own issuer by discovery, edits its client ids and thumbprints, deletes it', async () => {
    const host = new URL(server.url).host;
    const r = await admin.send(new I.CreateOpenIDConnectProviderCommand({ Url: server.url, ClientIDList: ['sts.amazonaws.com'] }));
    assert.equal(r.OpenIDConnectProviderArn, arn('oidc-provider', host));
    const OpenIDConnectProviderArn = r.OpenIDConnectProviderArn;
    await admin.send(new I.AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn, ClientID: 'trainer' }));
    await admin.send(new I.RemoveClientIDFromOpenIDConnectProviderCommand({ OpenIDConnectProviderArn, ClientID: 'sts.amazonaws.com' }));
    await admin.send(new I.UpdateOpenIDConnectProviderThumbprintCommand({ OpenIDConnectProviderArn, ThumbprintList: ['a'.repeat(40)] }));
    const g = await admin.send(new I.GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn }));
    assert.deepEqual([g.ClientIDList, g.ThumbprintList], [['trainer'], ['a'.repeat(40)]]);
    assert.deepEqual((await admin.send(new I.ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList?.map((x) => x.Arn), [OpenIDConnectProviderArn]);
    assert.equal(await errorName(admin.send(new I.UpdateOpenIDConnectProviderThumbprintCommand({ OpenIDConnectProviderArn, ThumbprintList: ['short'] }))), 'ValidationError');
    // Its tags (in full: test/oidc-review-cd4-provider-tags.review.ts).
    await admin.send(new I.TagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn, Tags: [{ Key: 'env', Value: 'test' }] }));
    assert.deepEqual((await admin.send(new I.ListOpenIDConnectProviderTagsCommand({ OpenIDConnectProviderArn }))).Tags, [{ Key: 'env', Value: 'test' }]);
    await admin.send(new I.UntagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn, TagKeys: ['env'] }));
    assert.deepEqual((await admin.send(new I.ListOpenIDConnectProviderTagsCommand({ OpenIDConnectProviderArn }))).Tags, []);
    await admin.send(new I.DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn }));
    assert.equal(await errorName(admin.send(new I.GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn }))), 'NoSuchEntityException');
  });
});

describe('account-wide reads (in full: test/account-reports.test.ts)', () => {
  it('answers ListEntitiesForPolicy, GetAccountSummary and the credential report', async () => {
    const policy = await admin.send(new I.CreatePolicyCommand({ PolicyName: 'reads-probe', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' }] }) }));
    const arnOfPolicy = policy.Policy?.Arn ?? '';
    const e = await admin.send(new I.ListEntitiesForPolicyCommand({ PolicyArn: arnOfPolicy }));
    assert.deepEqual([e.PolicyUsers, e.PolicyGroups, e.PolicyRoles, e.IsTruncated], [[], [], [], false]);
    const summary = (await admin.send(new I.GetAccountSummaryCommand({}))).SummaryMap ?? {};
    assert.equal(summary['Users'], (await admin.send(new I.ListUsersCommand({}))).Users?.length);
    assert.equal((await admin.send(new I.GenerateCredentialReportCommand({}))).State, 'COMPLETE');
    assert.equal((await admin.send(new I.GetCredentialReportCommand({}))).ReportFormat, 'text/csv');
    await admin.send(new I.DeletePolicyCommand({ PolicyArn: arnOfPolicy }));
  });
});

describe('what Gatehouse does not keep (instance profiles, passwords, MFA devices, SSH keys, certificates)', () => {
  it('answers that there is none, as the tools that read them before a delete expect (review Q, Q1)', async () => {
    await admin.send(new I.CreateUserCommand({ UserName: 'q1-user' }));
    await admin.send(new I.CreateRoleCommand({ RoleName: 'q1-role', AssumeRolePolicyDocument: TRUST }));
    assert.deepEqual((await admin.send(new I.ListInstanceProfilesForRoleCommand({ RoleName: 'q1-role' }))).InstanceProfiles, []);
    assert.deepEqual((await admin.send(new I.ListInstanceProfilesCommand({}))).InstanceProfiles, []);
    const profile = { InstanceProfileName: 'q1-ip' };
    assert.equal(await errorName(admin.send(new I.CreateInstanceProfileCommand(profile))), 'InvalidAction');
    for (const c of [
      new I.GetInstanceProfileCommand(profile),
      new I.DeleteInstanceProfileCommand(profile),
      new I.AddRoleToInstanceProfileCommand({ ...profile, RoleName: 'q1-role' }),
      new I.RemoveRoleFromInstanceProfileCommand({ ...profile, RoleName: 'q1-role' }),
      new I.ListInstanceProfileTagsCommand(profile),
      new I.TagInstanceProfileCommand({ ...profile, Tags: [{ Key: 'k', Value: 'v' }] }),
      new I.UntagInstanceProfileCommand({ ...profile, TagKeys: ['k'] }),
      new I.GetLoginProfileCommand({ UserName: 'q1-user' }),
      new I.DeleteLoginProfileCommand({ UserName: 'q1-user' }),
      new I.UpdateLoginProfileCommand({ UserName: 'q1-user', Password: 'x' }),
    ]) {
      assert.equal(await errorName(admin.send(c as never)), 'NoSuchEntityException', c.constructor.name);
    }
    assert.deepEqual((await admin.send(new I.ListSSHPublicKeysCommand({ UserName: 'q1-user' }))).SSHPublicKeys, []);
    assert.deepEqual((await admin.send(new I.ListMFADevicesCommand({ UserName: 'q1-user' }))).MFADevices, []);
    assert.deepEqual((await admin.send(new I.ListVirtualMFADevicesCommand({}))).VirtualMFADevices, []);
    assert.deepEqual((await admin.send(new I.ListSigningCertificatesCommand({ UserName: 'q1-user' }))).Certificates, []);
    assert.deepEqual((await admin.send(new I.ListServiceSpecificCredentialsCommand({ UserName: 'q1-user' }))).ServiceSpecificCredentials, []);
    // No account alias, SAML provider or password policy either (review cg, 3).
    assert.deepEqual((await admin.send(new I.ListAccountAliasesCommand({}))).AccountAliases, []);
    assert.deepEqual((await admin.send(new I.ListSAMLProvidersCommand({}))).SAMLProviderList, []);
    // Nor a server certificate (Prowler's iam checks call ListServerCertificates; it answered InvalidAction).
    assert.deepEqual((await admin.send(new I.ListServerCertificatesCommand({}))).ServerCertificateMetadataList ?? [], []);
    assert.equal((await admin.send(new I.ListServerCertificatesCommand({ MaxItems: 5 }))).IsTruncated, false);
    assert.equal(await errorName(admin.send(new I.GetAccountPasswordPolicyCommand({}))), 'NoSuchEntityException');
    await admin.send(new I.DeleteRoleCommand({ RoleName: 'q1-role' }));
    await admin.send(new I.DeleteUserCommand({ UserName: 'q1-user' }));
    // Managed policies carry tags (review Q2, q3).
    const PolicyArn = (await admin.send(new I.CreatePolicyCommand({ PolicyName: 'q2-policy', PolicyDocument: doc(allow('s3:GetObject')) }))).Policy?.Arn;
    assert.deepEqual((await admin.send(new I.ListPolicyTagsCommand({ PolicyArn }))).Tags, []);
    await admin.send(new I.TagPolicyCommand({ PolicyArn, Tags: [{ Key: 'env', Value: 'test' }] }));
    assert.deepEqual((await admin.send(new I.ListPolicyTagsCommand({ PolicyArn }))).Tags, [{ Key: 'env', Value: 'test' }]);
    await admin.send(new I.UntagPolicyCommand({ PolicyArn, TagKeys: ['env'] }));
    assert.deepEqual((await admin.send(new I.ListPolicyTagsCommand({ PolicyArn }))).Tags, []);
    await admin.send(new I.DeletePolicyCommand({ PolicyArn }));
  });
});

describe('credentials Gatehouse does not keep (reviews ka, 4 and kk, 2 and 3; in full there)', () => {
  it('refuses to create them, saying so, and answers NoSuchEntity for any one named', async () => {
    await admin.send(new I.CreateUserCommand({ UserName: 'kk-user' }));
    const u = 'kk-user';
    const MFA = 'arn:aws:iam::000000000000:mfa/kk-phone';
    const SAML = 'arn:aws:iam::000000000000:saml-provider/kk-idp';
    const [SSH, CERT, SSC] = ['APKAEIBAERJR2EXAMPLE1', 'TA7SMP42TDN5Z26OBPJE7EXAMPLE', 'ACCA12345ABCDEXAMPLE1'];
    const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';
    const tag = { Tags: [{ Key: 'k', Value: 'v' }] };
    for (const c of [
      new I.CreateLoginProfileCommand({ UserName: u, Password: 'Passw0rd!Passw0rd' }),
      new I.ChangePasswordCommand({ OldPassword: 'Passw0rd!Passw0rd', NewPassword: 'Passw0rd!Passw0rd2' }),
      new I.UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 14 }),
      new I.CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'kk-phone' }),
      new I.EnableMFADeviceCommand({ UserName: u, SerialNumber: MFA, AuthenticationCode1: '123456', AuthenticationCode2: '654321' }),
      new I.UploadSSHPublicKeyCommand({ UserName: u, SSHPublicKeyBody: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample kk' }),
      new I.UploadSigningCertificateCommand({ UserName: u, CertificateBody: PEM }),
      new I.CreateServiceSpecificCredentialCommand({ UserName: u, ServiceName: 'codecommit.amazonaws.com' }),
      new I.CreateSAMLProviderCommand({ Name: 'kk-idp', SAMLMetadataDocument: '<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata"/>'.padEnd(1_000, ' ') }),
      new I.UploadServerCertificateCommand({ ServerCertificateName: 'kk-cert', CertificateBody: PEM, PrivateKey: '-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----' }),
      // Nor service-linked roles (review nv, 2; in full there).
      new I.CreateServiceLinkedRoleCommand({ AWSServiceName: 'spot.amazonaws.com' }),
    ]) {
      assert.equal(await errorName(admin.send(c as never)), 'InvalidAction', c.constructor.name);
    }
    for (const c of [
      new I.GetSSHPublicKeyCommand({ UserName: u, SSHPublicKeyId: SSH, Encoding: 'SSH' }),
      new I.DeleteSSHPublicKeyCommand({ UserName: u, SSHPublicKeyId: SSH }),
      new I.UpdateSSHPublicKeyCommand({ UserName: u, SSHPublicKeyId: SSH, Status: 'Inactive' }),
      new I.DeleteSigningCertificateCommand({ UserName: u, CertificateId: CERT }),
      new I.UpdateSigningCertificateCommand({ UserName: u, CertificateId: CERT, Status: 'Inactive' }),
      new I.DeleteServiceSpecificCredentialCommand({ UserName: u, ServiceSpecificCredentialId: SSC }),
      new I.UpdateServiceSpecificCredentialCommand({ UserName: u, ServiceSpecificCredentialId: SSC, Status: 'Inactive' }),
      new I.ResetServiceSpecificCredentialCommand({ UserName: u, ServiceSpecificCredentialId: SSC }),
      new I.DeactivateMFADeviceCommand({ UserName: u, SerialNumber: MFA }),
      new I.ResyncMFADeviceCommand({ UserName: u, SerialNumber: MFA, AuthenticationCode1: '123456', AuthenticationCode2: '654321' }),
      new I.GetMFADeviceCommand({ UserName: u, SerialNumber: MFA }),
      new I.DeleteVirtualMFADeviceCommand({ SerialNumber: MFA }),
      new I.ListMFADeviceTagsCommand({ SerialNumber: MFA }),
      new I.TagMFADeviceCommand({ SerialNumber: MFA, ...tag }),
      new I.UntagMFADeviceCommand({ SerialNumber: MFA, TagKeys: ['k'] }),
      new I.GetServerCertificateCommand({ ServerCertificateName: 'kk-cert' }),
      new I.DeleteServerCertificateCommand({ ServerCertificateName: 'kk-cert' }),
      new I.UpdateServerCertificateCommand({ ServerCertificateName: 'kk-cert', NewServerCertificateName: 'kk-cert-2' }),
      new I.ListServerCertificateTagsCommand({ ServerCertificateName: 'kk-cert' }),
      new I.TagServerCertificateCommand({ ServerCertificateName: 'kk-cert', ...tag }),
      new I.UntagServerCertificateCommand({ ServerCertificateName: 'kk-cert', TagKeys: ['k'] }),
      new I.DeleteAccountPasswordPolicyCommand({}),
      new I.GetSAMLProviderCommand({ SAMLProviderArn: SAML }),
      new I.DeleteSAMLProviderCommand({ SAMLProviderArn: SAML }),
      new I.UpdateSAMLProviderCommand({ SAMLProviderArn: SAML, SAMLMetadataDocument: '<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata"/>'.padEnd(1_000, ' ') }),
      new I.ListSAMLProviderTagsCommand({ SAMLProviderArn: SAML }),
      new I.TagSAMLProviderCommand({ SAMLProviderArn: SAML, ...tag }),
      new I.UntagSAMLProviderCommand({ SAMLProviderArn: SAML, TagKeys: ['k'] }),
      new I.DeleteServiceLinkedRoleCommand({ RoleName: 'AWSServiceRoleForSpot' }),
      new I.GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId: 'task/aws-service-role/spot.amazonaws.com/AWSServiceRoleForSpot/1' }),
    ]) {
      assert.equal(await errorName(admin.send(c as never)), 'NoSuchEntityException', c.constructor.name);
    }
    await admin.send(new I.DeleteUserCommand({ UserName: u }));
  });
});

describe('coverage', () => {
  it('this suite sent every action the IAM API implements', () => {
    const missing = Object.keys(IAM_ACTIONS).filter((a) => !called.has(a));
    assert.deepEqual(missing, []);
  });
});
