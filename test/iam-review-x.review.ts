/**
 * Review X: administering the identity directory, over the IAM Query API (AWS SDK v3), `/v1` and `apply`.
 *
 * X1: tag keys are case-insensitive, so `aws:TagKeys` on Tag/Untag carries the stored spelling of a key the request
 *     spells in another case: a Deny on `clearance` holds against `CLEARANCE` and `Clearance`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { iamUserWith, outcomeName as errorName, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const V = '2012-10-17';
const ARN = (rest: string) => `arn:aws:iam::${A}:${rest}`;
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const policy = (...Statement: Record<string, unknown>[]) => ({ Version: V, Statement });
const trustUser = (user: string) => JSON.stringify(policy({ Effect: 'Allow', Principal: { AWS: ARN(`user/${user}`) }, Action: 'sts:AssumeRole' }));

let server: TestServer;
let admin: I.IAMClient;

/** Creates `name` (with `extra`), gives it the inline policy `doc` and returns its key. */
const userWith = (name: string, doc: unknown, extra: Partial<I.CreateUserCommandInput> = {}): Promise<Credentials> => iamUserWith(admin, name, doc, extra);

async function apply(who: Credentials, documents: unknown[], prune = false): Promise<{ status: number; json: Record<string, unknown> }> {
  return gatehouseJson(server.url, who, 'POST', '/v1/apply', { documents, ...(prune ? { prune: true } : {}) });
}

const userTags = async (u: string) => (await admin.send(new I.ListUserTagsCommand({ UserName: u }))).Tags;
const roleTags = async (r: string) => (await admin.send(new I.ListRoleTagsCommand({ RoleName: r }))).Tags;

before(async () => {
  server = await startTestServer();
  admin = server.iam();
});

after(async () => {
  await server?.stop();
});

describe('X1: aws:TagKeys carries the stored spelling of a tag key the request spells in another case', () => {
  const ALL = ['iam:TagUser', 'iam:UntagUser', 'iam:TagRole', 'iam:UntagRole', 'iam:GetUser', 'iam:GetRole', 'iam:ListUserTags', 'iam:ListRoleTags', 'gatehouse:*'];

  test('over the IAM API: TagUser/TagRole `CLEARANCE` and UntagUser/UntagRole `Clearance` meet the Deny on `clearance`', async () => {
    const k = await userWith(
      'x1-tagger',
      policy(
        { Effect: 'Allow', Action: ALL, Resource: '*' },
        { Effect: 'Deny', Action: ['iam:TagUser', 'iam:UntagUser', 'iam:TagRole', 'iam:UntagRole'], Resource: '*', Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['clearance'] } } },
      ),
    );
    const t = server.iam(k);
    await admin.send(new I.CreateUserCommand({ UserName: 'x1-cleared', Tags: [{ Key: 'clearance', Value: 'top' }] }));
    await admin.send(new I.CreateRoleCommand({ RoleName: 'x1-cleared', AssumeRolePolicyDocument: trustUser('x1-tagger'), Tags: [{ Key: 'clearance', Value: 'top' }] }));
    for (const key of ['clearance', 'CLEARANCE', 'Clearance']) {
      assert.equal(await errorName(t.send(new I.TagUserCommand({ UserName: 'x1-cleared', Tags: [{ Key: key, Value: 'low' }] }))), 'AccessDenied', `TagUser ${key}`);
      assert.equal(await errorName(t.send(new I.UntagUserCommand({ UserName: 'x1-cleared', TagKeys: [key] }))), 'AccessDenied', `UntagUser ${key}`);
      assert.equal(await errorName(t.send(new I.TagRoleCommand({ RoleName: 'x1-cleared', Tags: [{ Key: key, Value: 'low' }] }))), 'AccessDenied', `TagRole ${key}`);
      assert.equal(await errorName(t.send(new I.UntagRoleCommand({ RoleName: 'x1-cleared', TagKeys: [key] }))), 'AccessDenied', `UntagRole ${key}`);
      // Among other keys too.
      assert.equal(await errorName(t.send(new I.UntagUserCommand({ UserName: 'x1-cleared', TagKeys: ['team', key] }))), 'AccessDenied', `UntagUser team, ${key}`);
    }
    assert.deepEqual(await userTags('x1-cleared'), [{ Key: 'clearance', Value: 'top' }]);
    assert.deepEqual(await roleTags('x1-cleared'), [{ Key: 'clearance', Value: 'top' }]);
    // Other keys are still the tagger's to set and remove, in any case.
    assert.equal(await errorName(t.send(new I.TagUserCommand({ UserName: 'x1-cleared', Tags: [{ Key: 'team', Value: 'blue' }] }))), 'ok');
    assert.equal(await errorName(t.send(new I.UntagUserCommand({ UserName: 'x1-cleared', TagKeys: ['TEAM'] }))), 'ok');
    assert.deepEqual(await userTags('x1-cleared'), [{ Key: 'clearance', Value: 'top' }]);
  });

  test('an Allow on the stored spelling still covers a request in another case only when it names both (ForAllValues)', async () => {
    // An allow-list of keys: the request's `DEPT` replaces the stored `dept`, so it is decided on both spellings.
    const k = await userWith('x1-lister', policy({ Effect: 'Allow', Action: ['iam:TagUser', 'iam:UntagUser'], Resource: '*', Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['dept', 'DEPT'] } } }));
    const t = server.iam(k);
    await admin.send(new I.CreateUserCommand({ UserName: 'x1-listed', Tags: [{ Key: 'dept', Value: 'a' }] }));
    assert.equal(await errorName(t.send(new I.TagUserCommand({ UserName: 'x1-listed', Tags: [{ Key: 'DEPT', Value: 'b' }] }))), 'ok');
    assert.deepEqual(await userTags('x1-listed'), [{ Key: 'DEPT', Value: 'b' }]);
    assert.equal(await errorName(t.send(new I.UntagUserCommand({ UserName: 'x1-listed', TagKeys: ['Dept'] }))), 'AccessDenied');
    assert.equal(await errorName(t.send(new I.UntagUserCommand({ UserName: 'x1-listed', TagKeys: ['dept'] }))), 'ok');
    assert.deepEqual(await userTags('x1-listed'), []);
  });

  test('apply: a User or Role document spelling a stored key in another case is decided on both spellings', async () => {
    // May remove tags, may not set `clearance`.
    const k = await userWith(
      'x1-applier',
      policy(
        { Effect: 'Allow', Action: ['iam:*', 'gatehouse:*'], Resource: '*' },
        { Effect: 'Deny', Action: ['iam:TagUser', 'iam:TagRole'], Resource: '*', Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['clearance'] } } },
      ),
    );
    await admin.send(new I.CreateUserCommand({ UserName: 'x1-cleared2', Tags: [{ Key: 'clearance', Value: 'top' }, { Key: 'team', Value: 'blue' }] }));
    await admin.send(new I.CreateRoleCommand({ RoleName: 'x1-cleared2', AssumeRolePolicyDocument: trustUser('x1-applier'), Tags: [{ Key: 'clearance', Value: 'top' }] }));
    for (const tags of [{ CLEARANCE: 'low', team: 'blue' }, { Clearance: 'top', team: 'blue' }]) {
      assert.equal((await apply(k, [doc('User', 'x1-cleared2', { tags })])).status, 403, JSON.stringify(tags));
      assert.equal((await apply(k, [doc('Role', 'x1-cleared2', { trustPolicy: JSON.parse(trustUser('x1-applier')), tags })])).status, 403, JSON.stringify(tags));
    }
    assert.deepEqual(await userTags('x1-cleared2'), [{ Key: 'clearance', Value: 'top' }, { Key: 'team', Value: 'blue' }]);
    assert.deepEqual(await roleTags('x1-cleared2'), [{ Key: 'clearance', Value: 'top' }]);
    // Removing a tag is allowed, and so is changing another key's spelling (one Tag step, no Untag).
    const r = await apply(k, [doc('User', 'x1-cleared2', { tags: { clearance: 'top', TEAM: 'blue' } })]);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual(await userTags('x1-cleared2'), [{ Key: 'clearance', Value: 'top' }, { Key: 'TEAM', Value: 'blue' }]);
    const r2 = await apply(k, [doc('User', 'x1-cleared2', { tags: { TEAM: 'blue' } })]);
    assert.equal(r2.status, 200, JSON.stringify(r2.json));
    assert.deepEqual(await userTags('x1-cleared2'), [{ Key: 'TEAM', Value: 'blue' }]);
  });

  test('an Untag-only guardrail does not refuse an apply that keeps the key and only respells it', async () => {
    const k = await userWith(
      'x1-keeper',
      policy(
        { Effect: 'Allow', Action: ['iam:*', 'gatehouse:*'], Resource: '*' },
        { Effect: 'Deny', Action: 'iam:UntagUser', Resource: '*', Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['owner'] } } },
      ),
    );
    await admin.send(new I.CreateUserCommand({ UserName: 'x1-owned', Tags: [{ Key: 'owner', Value: 'ann' }] }));
    const r = await apply(k, [doc('User', 'x1-owned', { tags: { Owner: 'bob' } })]);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual(await userTags('x1-owned'), [{ Key: 'Owner', Value: 'bob' }]);
    assert.equal(await errorName(server.iam(k).send(new I.UntagUserCommand({ UserName: 'x1-owned', TagKeys: ['owner'] }))), 'AccessDenied');
  });

  test('a key the entity does not hold yet is decided under the spelling the policies use too: no self-given CLEARANCE', async () => {
    const k = await userWith(
      'x1-climber',
      policy(
        { Effect: 'Allow', Action: ['iam:*', 'gatehouse:*'], Resource: '*' },
        { Effect: 'Deny', Action: ['iam:TagUser', 'iam:CreateUser', 'iam:TagRole', 'iam:CreateRole'], Resource: '*', Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['clearance'] } } },
        { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::x1-vault/*', Condition: { StringEquals: { 'aws:PrincipalTag/clearance': 'top' } } },
      ),
    );
    const t = server.iam(k);
    for (const key of ['CLEARANCE', 'Clearance']) {
      assert.equal(await errorName(t.send(new I.TagUserCommand({ UserName: 'x1-climber', Tags: [{ Key: 'team', Value: 'a' }, { Key: key, Value: 'top' }] }))), 'AccessDenied', `TagUser ${key}`);
      assert.equal(await errorName(t.send(new I.CreateUserCommand({ UserName: 'x1-climber2', Tags: [{ Key: key, Value: 'top' }] }))), 'AccessDenied', `CreateUser ${key}`);
      assert.equal(await errorName(t.send(new I.CreateRoleCommand({ RoleName: 'x1-climber2', AssumeRolePolicyDocument: trustUser('x1-climber'), Tags: [{ Key: key, Value: 'top' }] }))), 'AccessDenied', `CreateRole ${key}`);
      assert.equal((await gatehouseJson(server.url, k, 'POST', '/v1/users', { name: 'x1-climber3', tags: { [key]: 'top' } })).status, 403, `/v1 ${key}`);
      assert.equal((await apply(k, [doc('User', 'x1-climber', { tags: { [key]: 'top' } })])).status, 403, `apply ${key}`);
    }
    assert.deepEqual(await userTags('x1-climber'), []);
    const d = await gatehouseJson(server.url, k, 'POST', '/v1/authorize', { action: 's3:GetObject', resource: 'arn:aws:s3:::x1-vault/x' });
    assert.equal(d.json['decision'], 'ImplicitDeny');
    // Keys the policies do not name are still free to set, in any case.
    assert.equal(await errorName(t.send(new I.TagUserCommand({ UserName: 'x1-climber', Tags: [{ Key: 'TEAM', Value: 'a' }] }))), 'ok');
  });

  test('an allow-list of keys (ForAllValues:StringEquals) still allows the spelling it lists', async () => {
    const k = await userWith('x1-allowlist', policy({ Effect: 'Allow', Action: ['iam:TagUser', 'iam:CreateUser'], Resource: '*', Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['Dept', 'team'] } } }));
    const t = server.iam(k);
    assert.equal(await errorName(t.send(new I.TagUserCommand({ UserName: 'x1-allowlist', Tags: [{ Key: 'Dept', Value: 'a' }, { Key: 'team', Value: 'b' }] }))), 'ok');
    assert.equal(await errorName(t.send(new I.CreateUserCommand({ UserName: 'x1-allowlisted', Tags: [{ Key: 'Dept', Value: 'a' }] }))), 'ok');
    assert.equal(await errorName(t.send(new I.TagUserCommand({ UserName: 'x1-allowlist', Tags: [{ Key: 'owner', Value: 'a' }] }))), 'AccessDenied');
  });

  test('a guardrail written with StringEqualsIgnoreCase holds for a key the entity does not hold yet', async () => {
    const k = await userWith(
      'x1-self',
      policy(
        { Effect: 'Allow', Action: ['iam:*', 'gatehouse:*'], Resource: '*' },
        { Effect: 'Deny', Action: ['iam:TagUser', 'iam:UntagUser'], Resource: '*', Condition: { 'ForAnyValue:StringEqualsIgnoreCase': { 'aws:TagKeys': ['clearance'] } } },
      ),
    );
    const t = server.iam(k);
    for (const key of ['clearance', 'CLEARANCE', 'Clearance']) {
      assert.equal(await errorName(t.send(new I.TagUserCommand({ UserName: 'x1-self', Tags: [{ Key: key, Value: 'top' }] }))), 'AccessDenied', key);
      assert.equal((await apply(k, [doc('User', 'x1-self', { tags: { [key]: 'top' } })])).status, 403, key);
    }
    assert.deepEqual(await userTags('x1-self'), []);
  });
});

describe('X5: the gatehouse: tag-key prefix is reserved on users and roles', () => {
  test('TagUser, TagRole, CreateUser and CreateRole (IAM API) refuse it in any case, naming the key', async () => {
    await admin.send(new I.CreateUserCommand({ UserName: 'x5-u' }));
    await admin.send(new I.CreateRoleCommand({ RoleName: 'x5-r', AssumeRolePolicyDocument: trustUser('x5-u') }));
    for (const key of ['gatehouse:workspace', 'GateHouse:job', 'GATEHOUSE:cluster', 'gatehouse:anything']) {
      const tags = [{ Key: 'team', Value: 'blue' }, { Key: key, Value: 'team-a' }];
      for (const [what, p] of [
        ['TagUser', admin.send(new I.TagUserCommand({ UserName: 'x5-u', Tags: tags }))],
        ['TagRole', admin.send(new I.TagRoleCommand({ RoleName: 'x5-r', Tags: tags }))],
        ['CreateUser', admin.send(new I.CreateUserCommand({ UserName: 'x5-new', Tags: tags }))],
        ['CreateRole', admin.send(new I.CreateRoleCommand({ RoleName: 'x5-new', AssumeRolePolicyDocument: trustUser('x5-u'), Tags: tags }))],
      ] as const) {
        const e = await p.then(
          () => undefined,
          (x: Error) => x,
        );
        assert.equal(e?.name, 'ValidationError', `${what} ${key}`);
        assert.match(e?.message ?? '', new RegExp(`Tags\\[1\\]\\.Key \`${key}\`: the \`gatehouse:\` prefix is reserved`), `${what} ${key}`);
      }
    }
    assert.deepEqual(await userTags('x5-u'), []);
    assert.deepEqual(await roleTags('x5-r'), []);
    assert.equal(await errorName(admin.send(new I.GetUserCommand({ UserName: 'x5-new' }))), 'NoSuchEntityException');
    assert.equal(await errorName(admin.send(new I.GetRoleCommand({ RoleName: 'x5-new' }))), 'NoSuchEntityException');
    // A key that only contains the word is not reserved.
    assert.equal(await errorName(admin.send(new I.TagUserCommand({ UserName: 'x5-u', Tags: [{ Key: 'my-gatehouse:x', Value: '1' }] }))), 'ok');
  });

  test('/v1 and apply refuse it too', async () => {
    const key = server.admin;
    const u = await gatehouseJson(server.url, key, 'POST', '/v1/users', { name: 'x5-v1', tags: { 'gatehouse:workspace': 'team-a' } });
    assert.equal(u.status, 400, JSON.stringify(u.json));
    assert.match(JSON.stringify(u.json), /gatehouse:workspace/);
    const r = await gatehouseJson(server.url, key, 'POST', '/v1/roles', { name: 'x5-v1', trustPolicy: JSON.parse(trustUser('x5-u')), tags: { 'Gatehouse:Workspace': 'team-a' } });
    assert.equal(r.status, 400, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /Gatehouse:Workspace/);
    for (const d of [doc('User', 'x5-u', { tags: { 'gatehouse:workspace': 'team-a' } }), doc('Role', 'x5-r', { trustPolicy: JSON.parse(trustUser('x5-u')), tags: { 'GATEHOUSE:job': 'j-1' } })]) {
      const a = await apply(key, [d]);
      assert.equal(a.status, 400, JSON.stringify(a.json));
      assert.match(JSON.stringify(a.json), /gatehouse:` prefix is reserved/i);
    }
    assert.deepEqual(await roleTags('x5-r'), []);
  });

  test('a role that cannot be tagged gatehouse:workspace gives its sessions no such principal tag', async () => {
    const eve = await userWith(
      'x5-eve',
      policy({ Effect: 'Allow', Action: ['iam:TagRole', 'iam:GetRole'], Resource: ARN('role/x5-team-b-*') }, { Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: '*' }),
    );
    await admin.send(new I.CreateRoleCommand({ RoleName: 'x5-team-b-runner', AssumeRolePolicyDocument: trustUser('x5-eve') }));
    await admin.send(
      new I.PutRolePolicyCommand({
        RoleName: 'x5-team-b-runner',
        PolicyName: 'ws',
        PolicyDocument: JSON.stringify(policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::ws-data/${aws:PrincipalTag/gatehouse:workspace}/*' })),
      }),
    );
    assert.equal(await errorName(server.iam(eve).send(new I.TagRoleCommand({ RoleName: 'x5-team-b-runner', Tags: [{ Key: 'gatehouse:workspace', Value: 'team-a' }] }))), 'ValidationError');
    const s = await server.sts(eve).send(new AssumeRoleCommand({ RoleArn: ARN('role/x5-team-b-runner'), RoleSessionName: 'eve' }));
    const session = { accessKeyId: s.Credentials!.AccessKeyId!, secretAccessKey: s.Credentials!.SecretAccessKey!, sessionToken: s.Credentials!.SessionToken! };
    const d = await gatehouseJson(server.url, session, 'POST', '/v1/authorize', { action: 's3:GetObject', resource: 'arn:aws:s3:::ws-data/team-a/secret' });
    assert.equal(d.status, 200, JSON.stringify(d.json));
    assert.notEqual(d.json['decision'], 'Allow');
  });

  test('a reserved key stored before the rule still loads, and may be kept beside new tags or removed', async () => {
    await admin.send(new I.CreateUserCommand({ UserName: 'x5-legacy' }));
    const app = await server.openApp();
    await app.deps.store.write(async (tx) => {
      const r = await tx.users.update(A, 'x5-legacy', { tags: [{ key: 'gatehouse:workspace', value: 'old' }] });
      assert.ok(r.ok);
    });
    assert.deepEqual(await userTags('x5-legacy'), [{ Key: 'gatehouse:workspace', Value: 'old' }]);
    assert.equal((await admin.send(new I.GetUserCommand({ UserName: 'x5-legacy' }))).User?.UserName, 'x5-legacy');
    assert.equal(await errorName(admin.send(new I.TagUserCommand({ UserName: 'x5-legacy', Tags: [{ Key: 'team', Value: 'blue' }] }))), 'ok');
    assert.deepEqual(await userTags('x5-legacy'), [{ Key: 'gatehouse:workspace', Value: 'old' }, { Key: 'team', Value: 'blue' }]);
    // apply of a document without it removes it.
    const a = await apply(server.admin, [doc('User', 'x5-legacy', { tags: { team: 'blue' } })]);
    assert.equal(a.status, 200, JSON.stringify(a.json));
    assert.deepEqual(await userTags('x5-legacy'), [{ Key: 'team', Value: 'blue' }]);
  });
});

describe('X3: apply --prune detaches a deleted managed policy as DetachUserPolicy/DetachRolePolicy are decided', () => {
  test('a Deny on aws:ResourceTag/protected or on iam:PermissionsBoundary stops the prune, as it stops the IAM API', async () => {
    const allow = JSON.stringify(policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }));
    const create = async (name: string) => (await admin.send(new I.CreatePolicyCommand({ PolicyName: name, PolicyDocument: allow }))).Policy!.Arn!;
    const guardU = await create('x3-guard-u');
    const guardR = await create('x3-guard-r');
    const guardB = await create('x3-guard-b');
    const guardG = await create('x3-guard-g');
    const BOUNDARY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
    await admin.send(new I.CreateUserCommand({ UserName: 'x3-boss', Tags: [{ Key: 'protected', Value: 'true' }] }));
    await admin.send(new I.AttachUserPolicyCommand({ UserName: 'x3-boss', PolicyArn: guardU }));
    await admin.send(new I.CreateRoleCommand({ RoleName: 'x3-crown', AssumeRolePolicyDocument: trustUser('x3-boss'), Tags: [{ Key: 'protected', Value: 'true' }] }));
    await admin.send(new I.AttachRolePolicyCommand({ RoleName: 'x3-crown', PolicyArn: guardR }));
    await admin.send(new I.CreateRoleCommand({ RoleName: 'x3-bounded', AssumeRolePolicyDocument: trustUser('x3-boss'), PermissionsBoundary: BOUNDARY }));
    await admin.send(new I.AttachRolePolicyCommand({ RoleName: 'x3-bounded', PolicyArn: guardB }));
    await admin.send(new I.CreateGroupCommand({ GroupName: 'x3-plain' }));
    await admin.send(new I.AttachGroupPolicyCommand({ GroupName: 'x3-plain', PolicyArn: guardG }));

    const tagged = await userWith(
      'x3-helpdesk',
      policy({ Effect: 'Allow', Action: ['iam:*', 'gatehouse:*'], Resource: '*' }, { Effect: 'Deny', Action: 'iam:*', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/protected': 'true' } } }),
    );
    const bounded = await userWith(
      'x3-helpdesk-b',
      policy({ Effect: 'Allow', Action: ['iam:*', 'gatehouse:*'], Resource: '*' }, { Effect: 'Deny', Action: 'iam:Detach*Policy', Resource: '*', Condition: { StringEquals: { 'iam:PermissionsBoundary': BOUNDARY } } }),
    );
    // The IAM API's answers, which apply must match.
    assert.equal(await errorName(server.iam(tagged).send(new I.DetachUserPolicyCommand({ UserName: 'x3-boss', PolicyArn: guardU }))), 'AccessDenied');
    assert.equal(await errorName(server.iam(tagged).send(new I.DetachRolePolicyCommand({ RoleName: 'x3-crown', PolicyArn: guardR }))), 'AccessDenied');
    assert.equal(await errorName(server.iam(bounded).send(new I.DetachRolePolicyCommand({ RoleName: 'x3-bounded', PolicyArn: guardB }))), 'AccessDenied');

    const keep = doc('Policy', 'x3-keep', { document: policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) });
    const attached = async () => ({
      boss: (await admin.send(new I.ListAttachedUserPoliciesCommand({ UserName: 'x3-boss' }))).AttachedPolicies?.map((p) => p.PolicyName),
      crown: (await admin.send(new I.ListAttachedRolePoliciesCommand({ RoleName: 'x3-crown' }))).AttachedPolicies?.map((p) => p.PolicyName),
      bounded: (await admin.send(new I.ListAttachedRolePoliciesCommand({ RoleName: 'x3-bounded' }))).AttachedPolicies?.map((p) => p.PolicyName),
      plain: (await admin.send(new I.ListAttachedGroupPoliciesCommand({ GroupName: 'x3-plain' }))).AttachedPolicies?.map((p) => p.PolicyName),
    });
    const before = { boss: ['x3-guard-u'], crown: ['x3-guard-r'], bounded: ['x3-guard-b'], plain: ['x3-guard-g'] };
    for (const [who, k] of [
      ['tagged', tagged],
      ['bounded', bounded],
    ] as const) {
      const r = await apply(k, [keep], true);
      assert.equal(r.status, 403, `${who}: ${JSON.stringify(r.json)}`);
      assert.match(JSON.stringify(r.json), /Detach(User|Role)Policy/, who);
      assert.deepEqual(await attached(), before, who);
    }
    // Only the prune of the policy on the protected principals is refused: without them in its way, it goes through.
    assert.equal(await errorName(admin.send(new I.DetachUserPolicyCommand({ UserName: 'x3-boss', PolicyArn: guardU }))), 'ok');
    assert.equal(await errorName(admin.send(new I.DetachRolePolicyCommand({ RoleName: 'x3-crown', PolicyArn: guardR }))), 'ok');
    const r = await apply(bounded, [keep, doc('Policy', 'x3-guard-b', { document: JSON.parse(allow) })], true);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual(await attached(), { boss: [], crown: [], bounded: ['x3-guard-b'], plain: [] });
  });
});

describe('X4: the default-bucket read check is decided with the bucket policy', () => {
  const putBucketPolicy = async (bucket: string, ...Statement: Record<string, unknown>[]) => {
    const r = await gatehouseJson(server.url, server.admin, 'PUT', `/v1/resource-policies/${encodeURIComponent(`arn:aws:s3:::${bucket}`)}`, { document: policy(...Statement) });
    assert.equal(r.status < 300, true, JSON.stringify(r.json));
  };
  const decision = async (who: Credentials, action: string, resource: string) => (await gatehouseJson(server.url, who, 'POST', '/v1/authorize', { action, resource })).json['decision'];

  test('a bucket policy denying the writer refuses the bucket over /v1 and apply; one granting the reads allows it', async () => {
    const alice = await userWith('x4-alice', policy({ Effect: 'Allow', Action: ['training:*', 's3:*', 'gatehouse:*'], Resource: '*' }));
    await putBucketPolicy('x4-vault', { Effect: 'Deny', Principal: { AWS: ARN('user/x4-alice') }, Action: 's3:*', Resource: ['arn:aws:s3:::x4-vault', 'arn:aws:s3:::x4-vault/*'] });
    // Only a GetObject deny: ListBucket alone is not enough.
    await putBucketPolicy('x4-listable', { Effect: 'Deny', Principal: { AWS: ARN('user/x4-alice') }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::x4-listable/*' });
    assert.equal(await decision(alice, 's3:GetObject', 'arn:aws:s3:::x4-vault/x'), 'ExplicitDeny');
    for (const bucket of ['x4-vault', 'x4-listable']) {
      const put = await gatehouseJson(server.url, alice, 'PUT', '/v1/workspaces/x4-ws', { members: [{ user: 'x4-alice' }], defaultBucket: `arn:aws:s3:::${bucket}` });
      assert.equal(put.status, 403, JSON.stringify(put.json));
      assert.match(JSON.stringify(put.json), /default bucket/);
      const a = await apply(alice, [doc('Workspace', 'x4-ws', { members: [{ user: 'x4-alice' }], defaultBucket: `arn:aws:s3:::${bucket}` })]);
      assert.equal(a.status, 403, JSON.stringify(a.json));
      assert.match(JSON.stringify(a.json), new RegExp(bucket));
    }
    assert.equal((await gatehouseJson(server.url, alice, 'GET', '/v1/workspaces/x4-ws')).status, 404);
    // A bucket whose policy does not deny her she may name, through either door.
    // A policy names only principals that exist (review Z, finding 3).
    await userWith('someone-else', policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }));
    await putBucketPolicy('x4-open', { Effect: 'Deny', Principal: { AWS: ARN('user/someone-else') }, Action: 's3:*', Resource: 'arn:aws:s3:::x4-open/*' });
    const put = await gatehouseJson(server.url, alice, 'PUT', '/v1/workspaces/x4-ws', { members: [{ user: 'x4-alice' }], defaultBucket: 'arn:aws:s3:::x4-open' });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    const a = await apply(alice, [doc('Workspace', 'x4-ws2', { members: [{ user: 'x4-alice' }], defaultBucket: 'arn:aws:s3:::x4-open' })]);
    assert.equal(a.status, 200, JSON.stringify(a.json));

    // bob's identity policies grant no S3 at all; the bucket policy grants him its rights, as the S3 gateway decides
    // (the reads, and since review gd, 5 the writes a default-role job gets there too).
    const bob = await userWith('x4-bob', policy({ Effect: 'Allow', Action: ['training:*', 'gatehouse:*'], Resource: '*' }));
    await putBucketPolicy('x4-shared', { Effect: 'Allow', Principal: { AWS: ARN('user/x4-bob') }, Action: 's3:*', Resource: ['arn:aws:s3:::x4-shared', 'arn:aws:s3:::x4-shared/*'] });
    assert.equal(await decision(bob, 's3:GetObject', 'arn:aws:s3:::x4-shared/x'), 'Allow');
    const b = await gatehouseJson(server.url, bob, 'PUT', '/v1/workspaces/x4-bob', { members: [{ user: 'x4-bob' }], defaultBucket: 'arn:aws:s3:::x4-shared' });
    assert.equal(b.status, 200, JSON.stringify(b.json));
    const c = await apply(bob, [doc('Workspace', 'x4-bob2', { members: [{ user: 'x4-bob' }], defaultBucket: 'arn:aws:s3:::x4-shared' })]);
    assert.equal(c.status, 200, JSON.stringify(c.json));
    // ...and nothing more: another bucket he cannot name.
    const d = await apply(bob, [doc('Workspace', 'x4-bob3', { members: [{ user: 'x4-bob' }], defaultBucket: 'arn:aws:s3:::x4-open' })]);
    assert.equal(d.status, 403, JSON.stringify(d.json));
  });
});

describe('X6: revoke-sessions decides iam:PutRolePolicy with the role\'s tags and boundary', () => {
  test('a Deny on aws:ResourceTag/protected or on iam:PermissionsBoundary stops revoking a role\'s sessions, as it stops PutRolePolicy', async () => {
    const BOUNDARY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
    const trust = JSON.stringify(policy({ Effect: 'Allow', Principal: { AWS: ARN('root') }, Action: 'sts:AssumeRole' }));
    await admin.send(new I.CreateRoleCommand({ RoleName: 'x6-crown', AssumeRolePolicyDocument: trust, Tags: [{ Key: 'protected', Value: 'true' }] }));
    await admin.send(new I.CreateRoleCommand({ RoleName: 'x6-bounded', AssumeRolePolicyDocument: trust, PermissionsBoundary: BOUNDARY }));
    await admin.send(new I.CreateRoleCommand({ RoleName: 'x6-plain', AssumeRolePolicyDocument: trust }));
    const helpdesk = await userWith(
      'x6-helpdesk',
      policy(
        { Effect: 'Allow', Action: ['iam:*', 'gatehouse:*'], Resource: '*' },
        { Effect: 'Deny', Action: 'iam:*', Resource: '*', Condition: { StringEquals: { 'iam:ResourceTag/protected': 'true' } } },
        { Effect: 'Deny', Action: 'iam:PutRolePolicy', Resource: '*', Condition: { StringEquals: { 'iam:PermissionsBoundary': BOUNDARY } } },
      ),
    );
    const inline = JSON.stringify(policy({ Effect: 'Deny', Action: '*', Resource: '*' }));
    for (const role of ['x6-crown', 'x6-bounded']) {
      assert.equal(await errorName(server.iam(helpdesk).send(new I.PutRolePolicyCommand({ RoleName: role, PolicyName: 'x', PolicyDocument: inline }))), 'AccessDenied', role);
      for (const body of [{ roleArn: ARN(`role/${role}`) }, { sessionArn: `arn:aws:sts::${A}:assumed-role/${role}/s1` }]) {
        const r = await gatehouseJson(server.url, helpdesk, 'POST', '/v1/sts/revoke-sessions', body);
        assert.equal(r.status, 403, `${JSON.stringify(body)}: ${JSON.stringify(r.json)}`);
        assert.match(JSON.stringify(r.json), /PutRolePolicy/);
      }
    }
    // A role neither tagged nor bounded is still hers to revoke.
    for (const body of [{ roleArn: ARN('role/x6-plain') }, { sessionArn: `arn:aws:sts::${A}:assumed-role/x6-plain/s1` }]) {
      const r = await gatehouseJson(server.url, helpdesk, 'POST', '/v1/sts/revoke-sessions', body);
      assert.equal(r.status, 200, JSON.stringify(r.json));
    }
  });
});
