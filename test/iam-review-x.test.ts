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
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const V = '2012-10-17';
const ARN = (rest: string) => `arn:aws:iam::${A}:${rest}`;
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const policy = (...Statement: Record<string, unknown>[]) => ({ Version: V, Statement });
const trustUser = (user: string) => JSON.stringify(policy({ Effect: 'Allow', Principal: { AWS: ARN(`user/${user}`) }, Action: 'sts:AssumeRole' }));

let server: TestServer;
let admin: I.IAMClient;

async function errorName(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return (e as Error).name;
  }
}

/** Creates `name`, gives it the inline policy `doc` and returns its key. */
async function userWith(name: string, doc: unknown, extra: Partial<I.CreateUserCommandInput> = {}): Promise<Credentials> {
  await admin.send(new I.CreateUserCommand({ UserName: name, ...extra }));
  await admin.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: JSON.stringify(doc) }));
  const k = await admin.send(new I.CreateAccessKeyCommand({ UserName: name }));
  return { accessKeyId: k.AccessKey!.AccessKeyId!, secretAccessKey: k.AccessKey!.SecretAccessKey! };
}

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
