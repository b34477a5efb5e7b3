/**
 * Review `gh` (a new user follows the README's tour), 7: §2's `aws iam simulate-principal-policy --resource-arns`.
 *
 * Given a resource that is not an ARN (`--resource-arns ml-datasets/restricted/x`, the bucket path for §2's
 * `arn:aws:s3:::ml-datasets/restricted/x`), SimulatePrincipalPolicy and SimulateCustomPolicy decided it: no statement's
 * `Resource` matched the path, so the answer was `implicitDeny` for a request alice's policy explicitly denies, and the
 * user read the typo's answer as the policies'. IAM's simulator refuses it: `InvalidInput`, "ResourceNames are not in a
 * valid ARN format: …", as gatehouse authorize and simulate refuse it too. Now so here; `*` and ARNs are decided as
 * before. Against a real server (startTestServer, SQLite in a temporary dir) with AWS SDK v3's IAM client.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
const V = '2012-10-17';
const READER = JSON.stringify({
  Version: V,
  Statement: [
    { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::ml-datasets/*' },
    { Effect: 'Deny', Action: 's3:GetObject', Resource: 'arn:aws:s3:::ml-datasets/restricted/*' },
  ],
});

before(async () => {
  s = await startTestServer();
  await s.iam().send(new I.CreateUserCommand({ UserName: 'alice' }));
  await s.iam().send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'reader', PolicyDocument: READER }));
});

after(async () => {
  await s?.stop();
});

const principal = (ResourceArns: string[]) =>
  s.iam().send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: 'arn:aws:iam::000000000000:user/alice', ActionNames: ['s3:GetObject'], ResourceArns }));
const custom = (ResourceArns: string[]) => s.iam().send(new I.SimulateCustomPolicyCommand({ PolicyInputList: [READER], ActionNames: ['s3:GetObject'], ResourceArns }));

test('gh7: a ResourceArns entry that is not an ARN is InvalidInput, as IAM answers it, not a decision', async () => {
  for (const call of [principal, custom]) {
    await assert.rejects(call(['arn:aws:s3:::ml-datasets/train/x', 'ml-datasets/restricted/x']), (e: Error & { name?: string; $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(e.name, 'InvalidInputException', e.message);
      assert.equal(e.$metadata?.httpStatusCode, 400);
      assert.match(e.message, /ResourceNames are not in a valid ARN format: ml-datasets\/restricted\/x\./);
      return true;
    });
  }
});

test('gh7: ARNs and * are decided as before', async () => {
  for (const call of [principal, custom]) {
    const r = await call(['arn:aws:s3:::ml-datasets/restricted/x', 'arn:aws:s3:::ml-datasets/train/x', '*']);
    assert.deepEqual(r.EvaluationResults?.slice(0, 2).map((e) => [e.EvalResourceName, e.EvalDecision]), [
      ['arn:aws:s3:::ml-datasets/restricted/x', 'explicitDeny'],
      ['arn:aws:s3:::ml-datasets/train/x', 'allowed'],
    ]);
    assert.equal(r.EvaluationResults?.[2]?.EvalResourceName, '*');
  }
});
