/**
 * Review oc, 2: SimulateCustomPolicy decided an `iam:` action on a user's, role's or managed policy's ARN with that
 * entity's tags and (a user's or role's) current permissions boundary read from the directory (review J, j4; review my,
 * 2), for any caller. The policies of a custom simulation are the caller's own text, so a caller allowed only
 * `iam:SimulateCustomPolicy` asked `Allow iam:GetUser where aws:ResourceTag/clearance is like "a*"` on another user and
 * read the tag a prefix at a time, and which boundary a role has through `iam:PermissionsBoundary`, though refused
 * ListUserTags, ListRoleTags, ListPolicyTags, GetUser and GetRole on them.
 *
 * Contract: IAM offers SimulateCustomPolicy as the simulator that shows nothing of other users ("If you do not want
 * users to see other user's permissions, then consider allowing them to use SimulateCustomPolicy instead",
 * API_SimulatePrincipalPolicy); an entity's tags are read with List…Tags, its boundary with GetUser/GetRole. Now the
 * simulators take an entity's tags only when the caller may read them (ListUserTags, ListRoleTags, ListPolicyTags on it)
 * and its boundary only when it may GetUser/GetRole it, each decided with the entity's tags as the Query API decides
 * them; otherwise the keys are the caller's to give in ContextEntries, and reported missing when a statement reads them.
 * SDK v3 against a real server.
 * Before the fix 2 of 4 tests failed.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { iamUserWith, type TestServer } from './support/server.ts';
import { simulateWorld } from './support/simulate-world.ts';

const ROOT = '000000000000';
const arn = (kind: string, name: string) => `arn:aws:iam::${ROOT}:${kind}/${name}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const TRUST = doc({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' });
const tagLike = (action: string, prefix: string) => doc({ Effect: 'Allow', Action: action, Resource: '*', Condition: { StringLike: { 'aws:ResourceTag/clearance': `${prefix}*` } } });
const TARGETS = [arn('user', 'target'), arn('role', 'target-role'), arn('policy', 'target-policy')] as const;

let server: TestServer;
let iam: I.IAMClient;
let prober: I.IAMClient;
let reader: I.IAMClient;

simulateWorld('gh-review-oc2-', (world) => {
  ({ server, iam } = world);
}, async () => {
  const tags = [{ Key: 'clearance', Value: 'alpha' }];
  await iam.send(new I.CreatePolicyCommand({ PolicyName: 'secret-boundary', PolicyDocument: doc({ Effect: 'Allow', Action: '*', Resource: '*' }) }));
  await iam.send(new I.CreateUserCommand({ UserName: 'target', Tags: tags }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'target-role', AssumeRolePolicyDocument: TRUST, Tags: tags, PermissionsBoundary: arn('policy', 'secret-boundary') }));
  await iam.send(new I.CreatePolicyCommand({ PolicyName: 'target-policy', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }), Tags: tags }));
  prober = server.iam(
    await iamUserWith(iam, 'prober', {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'iam:SimulateCustomPolicy', Resource: '*' },
        { Effect: 'Deny', Action: ['iam:ListUserTags', 'iam:ListRoleTags', 'iam:ListPolicyTags', 'iam:GetUser', 'iam:GetRole'], Resource: TARGETS },
      ],
    }),
  );
  reader = server.iam(await iamUserWith(iam, 'reader', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iam:SimulateCustomPolicy', 'iam:ListUserTags', 'iam:ListRoleTags', 'iam:ListPolicyTags', 'iam:GetRole'], Resource: '*' }] }));
});

const simulate = (client: I.IAMClient, policy: string, action: string, resource: string, entries: I.ContextEntry[] = []) =>
  client.send(new I.SimulateCustomPolicyCommand({ PolicyInputList: [policy], ActionNames: [action], ResourceArns: [resource], ContextEntries: entries }));
const decisionOf = (r: I.SimulateCustomPolicyCommandOutput) => r.EvaluationResults?.[0]?.EvalDecision;
const missingOf = (r: I.SimulateCustomPolicyCommandOutput) => r.EvaluationResults?.[0]?.ResourceSpecificResults?.[0]?.MissingContextValues;

describe('review oc, 2: a custom simulation reads an entity’s tags and boundary only for a caller who may read them', () => {
  test('a user’s, role’s and policy’s tag is not told to a caller refused List…Tags on it', async () => {
    for (const [action, resource] of [['iam:GetUser', TARGETS[0]], ['iam:GetRole', TARGETS[1]], ['iam:GetPolicy', TARGETS[2]]] as const) {
      const r = await simulate(prober, tagLike(action, 'a'), action, resource);
      assert.equal(decisionOf(r), 'implicitDeny', `${resource}: the tag's first letter is not told`);
      assert.deepEqual(missingOf(r), ['aws:ResourceTag/clearance'], `${resource}: the tag is the caller's to give`);
    }
  });

  test('given in ContextEntries, the tag decides', async () => {
    const r = await simulate(prober, tagLike('iam:GetUser', 'a'), 'iam:GetUser', TARGETS[0], [{ ContextKeyName: 'aws:ResourceTag/clearance', ContextKeyValues: ['alpha'], ContextKeyType: 'string' }]);
    assert.equal(decisionOf(r), 'allowed');
  });

  test('a role’s boundary is not told to a caller refused GetRole on it', async () => {
    const policy = doc({ Effect: 'Allow', Action: 'iam:PutRolePolicy', Resource: '*', Condition: { StringEquals: { 'iam:PermissionsBoundary': arn('policy', 'secret-boundary') } } });
    const r = await simulate(prober, policy, 'iam:PutRolePolicy', TARGETS[1]);
    assert.equal(decisionOf(r), 'implicitDeny');
    assert.deepEqual(missingOf(r), ['iam:PermissionsBoundary']);
  });

  test('a caller who may read them still simulates with them', async () => {
    for (const [action, resource] of [['iam:GetUser', TARGETS[0]], ['iam:GetRole', TARGETS[1]], ['iam:GetPolicy', TARGETS[2]]] as const) {
      assert.equal(decisionOf(await simulate(reader, tagLike(action, 'alpha'), action, resource)), 'allowed', resource);
      assert.equal(decisionOf(await simulate(reader, tagLike(action, 'b'), action, resource)), 'implicitDeny', resource);
    }
    const policy = doc({ Effect: 'Allow', Action: 'iam:PutRolePolicy', Resource: '*', Condition: { StringEquals: { 'iam:PermissionsBoundary': arn('policy', 'secret-boundary') } } });
    assert.equal(decisionOf(await simulate(reader, policy, 'iam:PutRolePolicy', TARGETS[1])), 'allowed');
    void server;
  });
});
