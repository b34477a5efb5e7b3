/**
 * Review fe, 5: SimulateCustomPolicy and SimulatePrincipalPolicy made ResourceOwner the owner of every resource
 * simulated, also of those whose ARN names their account. IAM's ResourceOwner is the owner "of any simulated resource
 * that does not identify its owner in the resource ARN" (an S3 bucket or object). So with ResourceOwner the caller's own
 * account, another account's queue (`arn:aws:sqs:us-east-1:111111111111:q`) was simulated as the caller's: `allowed`
 * by an identity policy alone, where enforcement (and POST /v1/authorize) needs that account's resource policy too;
 * and with ResourceOwner another account, the caller's own queue was simulated as that account's, `implicitDeny`. Now
 * an ARN that names an account keeps it; ResourceOwner owns the rest (bucket and object ARNs), and without it they are
 * the simulated caller's, as before. SDK v3, the Debian aws CLI and SigV4-signed /v1/ against a real server.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { REGION, type TestServer } from './support/server.ts';
import { simulateWorld } from './support/simulate-world.ts';
import { awsCli } from './support/aws-cli.ts';
import { awsCliEnv, awsCliMissing } from './support/processes.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const OTHER = '111111111111';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const SEND = doc({ Effect: 'Allow', Action: ['sqs:SendMessage', 's3:GetObject'], Resource: '*' });
const THEIRS = `arn:aws:sqs:us-east-1:${OTHER}:jobs`;
const OURS = `arn:aws:sqs:us-east-1:${ROOT}:jobs`;
const OBJECT = 'arn:aws:s3:::data/k';

let server: TestServer;
let iam: I.IAMClient;
let home: string;

simulateWorld('gh-review-fe5-', (world) => {
  ({ server, iam, home } = world);
}, async () => {
  await iam.send(new I.CreateUserCommand({ UserName: 'sender' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'sender', PolicyName: 'send', PolicyDocument: SEND }));
});

const decisions = (r: { EvaluationResults?: I.EvaluationResult[] | undefined }) => (r.EvaluationResults ?? []).map((e) => [e.EvalActionName, e.EvalResourceName, e.EvalDecision]);

describe('review fe, 5: ResourceOwner owns the resources whose ARN names no account', () => {
  test('ResourceOwner the caller’s account: another account’s queue stays theirs', async () => {
    const r = await iam.send(
      new I.SimulateCustomPolicyCommand({ PolicyInputList: [SEND], ActionNames: ['sqs:SendMessage'], ResourceArns: [THEIRS, OURS], ResourceOwner: `arn:aws:iam::${ROOT}:root`, CallerArn: `arn:aws:iam::${ROOT}:user/sender` }),
    );
    assert.deepEqual(decisions(r), [
      ['sqs:SendMessage', THEIRS, 'implicitDeny'],
      ['sqs:SendMessage', OURS, 'allowed'],
    ]);
    // What the authorize API answers for the same request.
    const asked = await gatehouseJson(server.url, server.admin, 'POST', '/v1/simulate', { principal: `arn:aws:iam::${ROOT}:user/sender`, action: 'sqs:SendMessage', resource: THEIRS });
    assert.equal(asked.json['decision'], 'ImplicitDeny', JSON.stringify(asked.json));
  });

  test('ResourceOwner another account: the caller’s own queue stays the caller’s; the bucket object is theirs', async () => {
    const r = await iam.send(
      new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: `arn:aws:iam::${ROOT}:user/sender`, ActionNames: ['sqs:SendMessage', 's3:GetObject'], ResourceArns: [OURS, OBJECT], ResourceOwner: OTHER }),
    );
    assert.deepEqual(
      decisions(r).filter(([a, res]) => (a === 'sqs:SendMessage') === String(res).startsWith('arn:aws:sqs')),
      [
        ['sqs:SendMessage', OURS, 'allowed'],
        ['s3:GetObject', OBJECT, 'implicitDeny'],
      ],
    );
  });

  test('without ResourceOwner, an object is the caller’s and a queue its ARN’s account’s', async () => {
    const r = await iam.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: `arn:aws:iam::${ROOT}:user/sender`, ActionNames: ['sqs:SendMessage', 's3:GetObject'], ResourceArns: [THEIRS, OBJECT] }));
    assert.deepEqual(
      decisions(r).filter(([a, res]) => (a === 'sqs:SendMessage') === String(res).startsWith('arn:aws:sqs')),
      [
        ['sqs:SendMessage', THEIRS, 'implicitDeny'],
        ['s3:GetObject', OBJECT, 'allowed'],
      ],
    );
  });

  test('the Debian aws CLI: simulate-custom-policy --resource-owner', { skip: awsCliMissing() }, async () => {
    const r = await awsCli(
      ['--endpoint-url', server.url, '--region', REGION, '--output', 'json', 'iam', 'simulate-custom-policy', '--policy-input-list', SEND, '--action-names', 'sqs:SendMessage', '--resource-arns', THEIRS, '--resource-owner', `arn:aws:iam::${ROOT}:root`],
      awsCliEnv(home, server.admin),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { EvaluationResults: { EvalDecision: string }[] }).EvaluationResults[0]?.EvalDecision, 'implicitDeny');
  });
});
