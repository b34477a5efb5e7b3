/**
 * Review lq, 1: SimulatePrincipalPolicy and SimulateCustomPolicy never answered `EvalDecisionDetails`. IAM's
 * EvaluationResult (https://docs.aws.amazon.com/IAM/latest/APIReference/API_EvaluationResult.html) says: "This parameter
 * is populated for only cross-account simulations. It contains a brief summary of how each policy type contributes to
 * the final evaluation decision. If the simulation evaluates policies within the same account and includes a resource
 * ARN, then the parameter is present but the response is empty. If the simulation evaluates policies within the same
 * account and specifies all resources (*), then the parameter is not returned"; ResourceSpecificResult's own
 * EvalDecisionDetails is "returned only for cross-account simulations". A client iterating the map of a same-account
 * result on a resource (`result.EvalDecisionDetails` entries, as SDK v3 types it) met `undefined`, and a cross-account
 * simulation said nothing of which account's side refused: an implicit deny because the caller's own policies did not
 * allow read the same as one because the other account's resource policy did not. Now a result on a resource carries
 * the map: empty in one account; in a cross-account simulation, `IAM Policy` (the caller's account: identity policies,
 * boundary and session policies) and `Resource Policy` (the resource's account), each `allowed`, `explicitDeny` or
 * `implicitDeny` (docs/decisions.md, "EvalDecisionDetails"). SDK v3 against a real server.
 * Before the fix 4 of 4 tests failed.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import type { TestServer } from './support/server.ts';
import { simulateWorld } from './support/simulate-world.ts';

const ROOT = '000000000000';
const OTHER = '111122223333';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const READER = `arn:aws:iam::${ROOT}:user/reader`;
const OBJECT = 'arn:aws:s3:::shared/k';
const SECRET = 'arn:aws:s3:::shared/secret/k';
const OTHER_OBJECT = 'arn:aws:s3:::elsewhere/k';
const IDENTITY = doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: ['arn:aws:s3:::shared/*'] });
const BUCKET_POLICY = doc(
  { Effect: 'Allow', Principal: { AWS: READER }, Action: 's3:GetObject', Resource: ['arn:aws:s3:::shared/*', 'arn:aws:s3:::elsewhere/*'] },
  { Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::shared/secret/*' },
);

let server: TestServer;
let iam: I.IAMClient;

simulateWorld('gh-review-lq1-', (world) => {
  ({ server, iam } = world);
}, async () => {
  await iam.send(new I.CreateUserCommand({ UserName: 'reader' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'reader', PolicyName: 'read', PolicyDocument: IDENTITY }));
});

const details = (r: I.SimulatePrincipalPolicyCommandOutput | I.SimulateCustomPolicyCommandOutput) =>
  (r.EvaluationResults ?? []).map((e) => [e.EvalResourceName, e.EvalDecision, e.EvalDecisionDetails, e.ResourceSpecificResults?.[0]?.EvalDecisionDetails]);

describe('review lq, 1: EvalDecisionDetails as IAM answers it', () => {
  test('one account, on a resource: present and empty; on `*`: absent', async () => {
    const r = await iam.send(new I.SimulateCustomPolicyCommand({ PolicyInputList: [IDENTITY], ActionNames: ['s3:GetObject'], ResourceArns: [OBJECT] }));
    assert.deepEqual(details(r), [[OBJECT, 'allowed', {}, undefined]]);
    const all = await iam.send(new I.SimulateCustomPolicyCommand({ PolicyInputList: [IDENTITY], ActionNames: ['s3:GetObject'] }));
    assert.deepEqual(details(all), [['*', 'implicitDeny', undefined, undefined]]);
  });

  test('cross-account, both sides allow: each side says so, at the top and per resource', async () => {
    const r = await iam.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: READER, ActionNames: ['s3:GetObject'], ResourceArns: [OBJECT], ResourcePolicy: BUCKET_POLICY, ResourceOwner: OTHER }));
    const both = { 'IAM Policy': 'allowed', 'Resource Policy': 'allowed' };
    assert.deepEqual(details(r), [[OBJECT, 'allowed', both, both]]);
  });

  test('cross-account: the side that refuses is named, implicitly or explicitly', async () => {
    const r = await iam.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: READER, ActionNames: ['s3:GetObject'], ResourceArns: [OTHER_OBJECT, SECRET], ResourcePolicy: BUCKET_POLICY, ResourceOwner: OTHER }));
    const identityRefuses = { 'IAM Policy': 'implicitDeny', 'Resource Policy': 'allowed' };
    const resourceDenies = { 'IAM Policy': 'allowed', 'Resource Policy': 'explicitDeny' };
    assert.deepEqual(details(r), [
      [OTHER_OBJECT, 'implicitDeny', identityRefuses, identityRefuses],
      [SECRET, 'explicitDeny', resourceDenies, resourceDenies],
    ]);
  });

  test('cross-account with no resource policy: the resource side refuses implicitly', async () => {
    const r = await iam.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: READER, ActionNames: ['s3:GetObject'], ResourceArns: [OBJECT], ResourceOwner: OTHER }));
    const noGrant = { 'IAM Policy': 'allowed', 'Resource Policy': 'implicitDeny' };
    assert.deepEqual(details(r), [[OBJECT, 'implicitDeny', noGrant, noGrant]]);
    void server;
  });
});
