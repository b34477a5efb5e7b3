/**
 * Review my, 4: in a cross-account simulation (a resource of another account, or ResourceOwner naming one) MissingContextValues listed every condition key of the policies that applied, the ones given in ContextEntries and the ones the principal supplies included: a caller told `aws:SourceIp` was missing gave it, and was told again.
 *
 * The simulator tells a key present by deciding a probe policy that allows when the key has a value (src/app/simulate.ts
 * `missingContextValues`); the probe was an identity policy only, and a cross-account request needs the resource's
 * account to allow too, so the probe was refused and every key read as absent. IAM lists "context keys that are
 * required by the included input policies but that were not provided by one of the input parameters"
 * (API_EvaluationResult). Now the probe is allowed on both sides, and only the keys with no value are listed.
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
const READER = `arn:aws:iam::${ROOT}:user/reader`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const IDENTITY = doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' }, StringEquals: { 'aws:username': 'reader' } } });
const BUCKET_POLICY = doc({ Effect: 'Allow', Principal: { AWS: READER }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::shared/*', Condition: { StringEquals: { 'aws:SourceVpc': 'vpc-1' } } });
const OBJECT = 'arn:aws:s3:::shared/k';

let server: TestServer;
let iam: I.IAMClient;

simulateWorld('gh-review-my4-', (world) => {
  ({ server, iam } = world);
}, async () => {
  await iam.send(new I.CreateUserCommand({ UserName: 'reader' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'reader', PolicyName: 'read', PolicyDocument: IDENTITY }));
});

const missing = (r: I.SimulatePrincipalPolicyCommandOutput | I.SimulateCustomPolicyCommandOutput) =>
  (r.EvaluationResults ?? []).map((e) => [e.EvalDecision, e.ResourceSpecificResults?.[0]?.MissingContextValues]);
const sourceIp: I.ContextEntry = { ContextKeyName: 'aws:SourceIp', ContextKeyValues: ['10.1.2.3'], ContextKeyType: 'ip' };
const vpc: I.ContextEntry = { ContextKeyName: 'aws:SourceVpc', ContextKeyValues: ['vpc-1'], ContextKeyType: 'string' };

describe('review my, 4: across accounts, MissingContextValues lists only the keys with no value', () => {
  test('SimulatePrincipalPolicy on another account’s bucket: the keys given and the principal’s are not missing', async () => {
    const base = { PolicySourceArn: READER, ActionNames: ['s3:GetObject'], ResourceArns: [OBJECT], ResourcePolicy: BUCKET_POLICY, ResourceOwner: OTHER };
    const some = await iam.send(new I.SimulatePrincipalPolicyCommand({ ...base, ContextEntries: [sourceIp] }));
    assert.deepEqual(missing(some), [['implicitDeny', ['aws:SourceVpc']]]);
    const all = await iam.send(new I.SimulatePrincipalPolicyCommand({ ...base, ContextEntries: [sourceIp, vpc] }));
    assert.deepEqual(missing(all), [['allowed', []]]);
  });

  test('SimulateCustomPolicy on another account’s queue (its ARN names it): the same', async () => {
    const queue = `arn:aws:sqs:us-east-1:${OTHER}:jobs`;
    const policy = doc({ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } });
    const queuePolicy = doc({ Effect: 'Allow', Principal: '*', Action: 'sqs:SendMessage', Resource: queue, Condition: { StringEquals: { 'aws:SourceVpc': 'vpc-1' } } });
    const r = await iam.send(new I.SimulateCustomPolicyCommand({ PolicyInputList: [policy], ResourcePolicy: queuePolicy, CallerArn: READER, ActionNames: ['sqs:SendMessage'], ResourceArns: [queue], ContextEntries: [sourceIp] }));
    assert.deepEqual(missing(r), [['implicitDeny', ['aws:SourceVpc']]]);
    void server;
  });
});
