/**
 * Review my, 3: without ResourceOwner, SimulateCustomPolicy and SimulatePrincipalPolicy left `aws:ResourceAccount` absent on a resource whose ARN names no account (an S3 bucket or object), so the data-perimeter guardrail "Deny s3:* where aws:ResourceAccount is not our account" answered explicitDeny on the account's own bucket, with `aws:ResourceAccount` reported missing.
 *
 * IAM's ResourceOwner: "If the ResourceOwner parameter is not specified, then the owner of the resources and the resource
 * policy defaults to the account of the identity provided in CallerArn" (API_SimulateCustomPolicy), and
 * docs/decisions.md ("IAM's simulators") says so of Gatehouse too; the decision took the caller's account as the owner
 * (not a cross-account request) while the condition key said no one owned it. Now such a resource is owned by the
 * simulated caller's account, `aws:ResourceAccount` included; ResourceOwner and an ARN's own account still win.
 * SDK v3 against a real server.
 * Before the fix 2 of 2 tests failed.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import type { TestServer } from './support/server.ts';
import { simulateWorld } from './support/simulate-world.ts';

const ROOT = '000000000000';
const OTHER = '111122223333';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const PERIMETER = doc(
  { Effect: 'Allow', Action: ['s3:GetObject', 'sqs:SendMessage'], Resource: '*' },
  { Sid: 'Perimeter', Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringNotEquals: { 'aws:ResourceAccount': ROOT } } },
);
const OBJECT = 'arn:aws:s3:::own-bucket/k';
const OWN_QUEUE = `arn:aws:sqs:us-east-1:${ROOT}:jobs`;
const OTHER_QUEUE = `arn:aws:sqs:us-east-1:${OTHER}:jobs`;

let server: TestServer;
let iam: I.IAMClient;

simulateWorld('gh-review-my3-', (world) => {
  ({ server, iam } = world);
}, async () => {
  await iam.send(new I.CreateUserCommand({ UserName: 'analyst' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'analyst', PolicyName: 'perimeter', PolicyDocument: PERIMETER }));
});

type Output = I.SimulateCustomPolicyCommandOutput | I.SimulatePrincipalPolicyCommandOutput;
const decisions = (r: Output) => (r.EvaluationResults ?? []).map((e) => [e.EvalActionName, e.EvalResourceName, e.EvalDecision]);
/** The missing context values of the results on `resource`, where IAM puts them (ResourceSpecificResults). */
const missingOn = (r: Output, resource: string) => (r.EvaluationResults ?? []).filter((e) => e.EvalResourceName === resource).map((e) => e.ResourceSpecificResults?.[0]?.MissingContextValues);

describe('review my, 3: without ResourceOwner, a resource whose ARN names no account is the simulated caller’s', () => {
  test('SimulateCustomPolicy: the perimeter keeps the own bucket and refuses another account’s queue', async () => {
    const r = await iam.send(new I.SimulateCustomPolicyCommand({ PolicyInputList: [PERIMETER], ActionNames: ['s3:GetObject', 'sqs:SendMessage'], ResourceArns: [OBJECT, OWN_QUEUE, OTHER_QUEUE] }));
    assert.deepEqual(decisions(r), [
      ['s3:GetObject', OBJECT, 'allowed'],
      ['s3:GetObject', OWN_QUEUE, 'allowed'],
      ['s3:GetObject', OTHER_QUEUE, 'explicitDeny'],
      ['sqs:SendMessage', OBJECT, 'allowed'],
      ['sqs:SendMessage', OWN_QUEUE, 'allowed'],
      ['sqs:SendMessage', OTHER_QUEUE, 'explicitDeny'],
    ]);
    assert.deepEqual(missingOn(r, OBJECT), [[], []], 'aws:ResourceAccount is no missing value: the caller’s account owns the bucket');
  });

  test('SimulatePrincipalPolicy: the same, and ResourceOwner naming another account still moves the bucket there', async () => {
    const analyst = `arn:aws:iam::${ROOT}:user/analyst`;
    const own = await iam.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: analyst, ActionNames: ['s3:GetObject'], ResourceArns: [OBJECT] }));
    assert.deepEqual(decisions(own), [['s3:GetObject', OBJECT, 'allowed']]);
    assert.deepEqual(missingOn(own, OBJECT), [[]]);
    const elsewhere = await iam.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: analyst, ActionNames: ['s3:GetObject'], ResourceArns: [OBJECT], ResourceOwner: `arn:aws:iam::${OTHER}:root` }));
    assert.deepEqual(decisions(elsewhere), [['s3:GetObject', OBJECT, 'explicitDeny']]);
    void server;
  });
});
