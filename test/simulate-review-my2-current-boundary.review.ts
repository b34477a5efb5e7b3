/**
 * Review my, 2: SimulatePrincipalPolicy decided Put/Delete…Policy, Attach/Detach…Policy and Delete…PermissionsBoundary on a user or role without its current permissions boundary (`iam:PermissionsBoundary`), which the IAM Query API decides them with: AWS's delegation pattern "Allow iam:PutUserPolicy where iam:PermissionsBoundary is the team's boundary" was simulated implicitDeny with the key reported missing, while the call succeeds.
 *
 * The simulator supplies a directory entity's tags (review J, j4) and the authorize API its tags and current boundary
 * (review I, I2); the boundary was left out of the simulator, so an auditor asking whether a delegated administrator can
 * give policies to a bounded user read "no", and a guardrail denying the removal of a boundary read as not applying.
 * Now the simulator decides those actions with the entity's current boundary, under any ContextEntry naming the key,
 * and an entity without one has the key absent, not missing. SDK v3 against a real server.
 * Before the fix 1 of 3 tests failed.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import type { TestServer } from './support/server.ts';
import { simulateWorld } from './support/simulate-world.ts';

const ROOT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const BOUNDARY = `arn:aws:iam::${ROOT}:policy/team-boundary`;
const DELEGATE = `arn:aws:iam::${ROOT}:user/delegate`;
const BOUNDED = `arn:aws:iam::${ROOT}:user/bounded`;
const FREE = `arn:aws:iam::${ROOT}:user/free`;
const INLINE = doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' });

let server: TestServer;
let iam: I.IAMClient;
let delegate: I.IAMClient;

simulateWorld('gh-review-my2-', (world) => {
  ({ server, iam } = world);
}, async () => {
  await iam.send(new I.CreatePolicyCommand({ PolicyName: 'team-boundary', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) }));
  await iam.send(new I.CreateUserCommand({ UserName: 'bounded', PermissionsBoundary: BOUNDARY }));
  await iam.send(new I.CreateUserCommand({ UserName: 'free' }));
  await iam.send(new I.CreateUserCommand({ UserName: 'delegate' }));
  await iam.send(new I.PutUserPolicyCommand({
    UserName: 'delegate',
    PolicyName: 'delegation',
    PolicyDocument: doc(
      { Effect: 'Allow', Action: ['iam:PutUserPolicy', 'iam:DeleteUserPermissionsBoundary'], Resource: '*', Condition: { StringEquals: { 'iam:PermissionsBoundary': BOUNDARY } } },
      { Effect: 'Deny', Action: 'iam:DeleteUserPermissionsBoundary', Resource: '*', Condition: { StringEquals: { 'iam:PermissionsBoundary': BOUNDARY } } },
    ),
  }));
  const key = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'delegate' }))).AccessKey;
  delegate = server.iam({ accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' });
});

const results = (r: I.SimulatePrincipalPolicyCommandOutput) =>
  (r.EvaluationResults ?? []).map((e) => [e.EvalActionName, e.EvalResourceName, e.EvalDecision, e.ResourceSpecificResults?.[0]?.MissingContextValues ?? []]);

describe('review my, 2: the simulator decides with the entity’s current permissions boundary, as the IAM API does', () => {
  test('enforcement: the delegate puts a policy on the bounded user, not on the free one', async () => {
    await delegate.send(new I.PutUserPolicyCommand({ UserName: 'bounded', PolicyName: 'read', PolicyDocument: INLINE }));
    await assert.rejects(delegate.send(new I.PutUserPolicyCommand({ UserName: 'free', PolicyName: 'read', PolicyDocument: INLINE })), { name: 'AccessDenied' });
    await assert.rejects(delegate.send(new I.DeleteUserPermissionsBoundaryCommand({ UserName: 'bounded' })), { name: 'AccessDenied' });
  });

  test('SimulatePrincipalPolicy answers as enforcement: allowed on the bounded user, the removal of its boundary denied', async () => {
    const r = await iam.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: DELEGATE, ActionNames: ['iam:PutUserPolicy', 'iam:DeleteUserPermissionsBoundary'], ResourceArns: [BOUNDED, FREE] }));
    assert.deepEqual(results(r), [
      ['iam:PutUserPolicy', BOUNDED, 'allowed', []],
      ['iam:PutUserPolicy', FREE, 'implicitDeny', []],
      ['iam:DeleteUserPermissionsBoundary', BOUNDED, 'explicitDeny', []],
      ['iam:DeleteUserPermissionsBoundary', FREE, 'implicitDeny', []],
    ]);
  });

  test('a ContextEntry naming the key still decides, and an ARN the directory does not hold still waits on it', async () => {
    const other = `arn:aws:iam::${ROOT}:user/nobody`;
    const r = await iam.send(new I.SimulatePrincipalPolicyCommand({
      PolicySourceArn: DELEGATE,
      ActionNames: ['iam:PutUserPolicy'],
      ResourceArns: [FREE, other],
      ContextEntries: [{ ContextKeyName: 'iam:PermissionsBoundary', ContextKeyValues: [BOUNDARY], ContextKeyType: 'string' }],
    }));
    assert.deepEqual(results(r), [
      ['iam:PutUserPolicy', FREE, 'allowed', []],
      ['iam:PutUserPolicy', other, 'allowed', []],
    ]);
    const without = await iam.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: DELEGATE, ActionNames: ['iam:PutUserPolicy'], ResourceArns: [other] }));
    assert.deepEqual(results(without), [['iam:PutUserPolicy', other, 'implicitDeny', ['iam:PermissionsBoundary']]]);
  });
});
