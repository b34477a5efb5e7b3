/**
 * Review oc, 1: SimulateCustomPolicy (and SimulatePrincipalPolicy) read the tags and unique id of the user a `CallerArn`
 * names from the directory, whoever asked. A caller allowed only `iam:SimulateCustomPolicy` (on `*`) named another user
 * as CallerArn and a PolicyInputList of `Allow … StringLike aws:PrincipalTag/clearance "a*"`: the decision told the
 * tag's value a prefix at a time, though that caller was refused `iam:ListUserTags` and `iam:GetUser` on that user.
 *
 * Contract: IAM's SimulatePrincipalPolicy "discloses information about the permissions granted to other users. If you
 * do not want users to see other user's permissions, then consider allowing them to use SimulateCustomPolicy instead"
 * (API_SimulatePrincipalPolicy): SimulateCustomPolicy discloses nothing of another user; a simulation's principal tags
 * are given in ContextEntries. Gatehouse authorizes a simulation of a user on that user with its tags
 * (docs/decisions.md, review I5), and an account's tags are read by who may read them (review I3). Now the directory's
 * facts of a CallerArn's user (tags, user id) take part only when the caller may `iam:SimulatePrincipalPolicy` on that
 * user (decided with its tags, as SimulatePrincipalPolicy decides it) or is that user; otherwise the simulated caller is
 * the ARN alone, as a user the directory does not hold, its tags given in ContextEntries.
 * SDK v3 against a real server.
 * Before the fix 2 of 3 tests failed.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { iamUserWith, type TestServer } from './support/server.ts';
import { simulateWorld } from './support/simulate-world.ts';

const ROOT = '000000000000';
const TARGET = `arn:aws:iam::${ROOT}:user/target`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const byClearance = (prefix: string) => doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { StringLike: { 'aws:PrincipalTag/clearance': `${prefix}*` } } });

let server: TestServer;
let iam: I.IAMClient;
let prober: I.IAMClient;
let trusted: I.IAMClient;

simulateWorld('gh-review-oc1-', (world) => {
  ({ server, iam } = world);
}, async () => {
  await iam.send(new I.CreateUserCommand({ UserName: 'target', Tags: [{ Key: 'clearance', Value: 'alpha' }] }));
  await iam.send(new I.CreateUserCommand({ UserName: 'plain' }));
  prober = server.iam(
    await iamUserWith(iam, 'prober', {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'iam:SimulateCustomPolicy', Resource: '*' },
        { Effect: 'Allow', Action: 'iam:SimulatePrincipalPolicy', Resource: `arn:aws:iam::${ROOT}:user/plain` },
        { Effect: 'Deny', Action: ['iam:ListUserTags', 'iam:GetUser', 'iam:SimulatePrincipalPolicy'], Resource: TARGET },
      ],
    }),
  );
  trusted = server.iam(await iamUserWith(iam, 'trusted', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iam:SimulateCustomPolicy', 'iam:SimulatePrincipalPolicy'], Resource: '*' }] }));
});

const decision = async (client: I.IAMClient, input: Partial<I.SimulateCustomPolicyCommandInput>) =>
  (await client.send(new I.SimulateCustomPolicyCommand({ ActionNames: ['s3:GetObject'], PolicyInputList: [byClearance('')], ...input }))).EvaluationResults?.[0]?.EvalDecision;

describe('review oc, 1: a CallerArn’s tags are read only by a caller who may simulate that user', () => {
  test('a caller allowed only SimulateCustomPolicy learns nothing of another user’s tags', async () => {
    assert.equal(await decision(prober, { CallerArn: TARGET, PolicyInputList: [byClearance('a')] }), 'implicitDeny', 'the tag’s first letter is not told');
    assert.equal(await decision(prober, { CallerArn: TARGET, PolicyInputList: [byClearance('b')] }), 'implicitDeny');
    // Given in ContextEntries, as IAM's simulator takes them, the tag decides.
    assert.equal(await decision(prober, { CallerArn: TARGET, PolicyInputList: [byClearance('a')], ContextEntries: [{ ContextKeyName: 'aws:PrincipalTag/clearance', ContextKeyValues: ['alpha'], ContextKeyType: 'string' }] }), 'allowed');
  });

  test('nor through SimulatePrincipalPolicy of a user it may simulate, with the other user as CallerArn', async () => {
    const r = await prober.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: `arn:aws:iam::${ROOT}:user/plain`, ActionNames: ['s3:GetObject'], PolicyInputList: [byClearance('alpha')], CallerArn: TARGET, ResourceArns: ['arn:aws:s3:::b/k'] }));
    assert.equal(r.EvaluationResults?.[0]?.EvalDecision, 'implicitDeny');
    assert.deepEqual(r.EvaluationResults?.[0]?.ResourceSpecificResults?.[0]?.MissingContextValues, ['aws:PrincipalTag/clearance'], 'the tag is missing, as for a user the directory does not hold');
  });

  test('a caller who may simulate the user still simulates it with its tags', async () => {
    assert.equal(await decision(trusted, { CallerArn: TARGET, PolicyInputList: [byClearance('alpha')] }), 'allowed');
    assert.equal(await decision(iam, { CallerArn: TARGET, PolicyInputList: [byClearance('alpha')] }), 'allowed');
  });
});
