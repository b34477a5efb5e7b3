/**
 * Review fe, 4: SimulatePrincipalPolicy and SimulateCustomPolicy took an `aws:CurrentTime` given in ContextEntries as
 * that key's value only, and decided every other time key at the server's clock: asked at 2031-01-01, a guardrail
 * "Deny when `aws:EpochTime` is after 2030" did not apply (`allowed`), while `gatehouse simulate` and POST /v1/simulate,
 * asked the same question with the same context, answered ExplicitDeny (review ej, 2 made the time they are given the
 * request's time), and so would enforcement in 2031. One question had two answers from the same server. Now the IAM
 * simulators take the time the same way: `aws:CurrentTime` (else `aws:EpochTime`) given is the request's time, and the
 * time keys not given derive from it. SDK v3, the Debian aws CLI and SigV4-signed /v1/ against a real server.
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
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
/** Reads allowed until the end of 2030, each guard on the other time key. */
const SUNSET = doc(
  { Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { DateLessThan: { 'aws:CurrentTime': '2031-01-01T00:00:00Z' } } },
  { Effect: 'Deny', Action: 's3:GetObject', Resource: '*', Condition: { DateGreaterThan: { 'aws:EpochTime': '2030-12-31T00:00:00Z' } } },
);
const BOB = `arn:aws:iam::${ROOT}:user/bob`;
const OBJECT = 'arn:aws:s3:::data/k';
const at = (key: string, value: string): I.ContextEntry => ({ ContextKeyName: key, ContextKeyValues: [value], ContextKeyType: 'date' });

let server: TestServer;
let iam: I.IAMClient;
let home: string;

simulateWorld('gh-review-fe4-', (world) => {
  ({ server, iam, home } = world);
}, async () => {
  await iam.send(new I.CreateUserCommand({ UserName: 'bob' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'sunset', PolicyDocument: SUNSET }));
});

const principal = async (entries: I.ContextEntry[]) =>
  (await iam.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: BOB, ActionNames: ['s3:GetObject'], ResourceArns: [OBJECT], ContextEntries: entries }))).EvaluationResults?.[0]?.EvalDecision;
const custom = async (entries: I.ContextEntry[]) => (await iam.send(new I.SimulateCustomPolicyCommand({ PolicyInputList: [SUNSET], ActionNames: ['s3:GetObject'], ContextEntries: entries }))).EvaluationResults?.[0]?.EvalDecision;

describe('review fe, 4: the time a simulation is given is the request time', () => {
  test('aws:CurrentTime given: aws:EpochTime is read at that time, as POST /v1/simulate reads it', async () => {
    const late = await gatehouseJson(server.url, server.admin, 'POST', '/v1/simulate', { principal: BOB, action: 's3:GetObject', resource: OBJECT, context: { 'aws:CurrentTime': '2030-12-31T12:00:00Z' } });
    assert.equal(late.json['decision'], 'ExplicitDeny', JSON.stringify(late.json));
    assert.equal(await principal([at('aws:CurrentTime', '2030-12-31T12:00:00Z')]), 'explicitDeny');
    assert.equal(await custom([at('aws:CurrentTime', '2030-12-31T12:00:00Z')]), 'explicitDeny');
    assert.equal(await principal([at('aws:CurrentTime', '2030-06-01T00:00:00Z')]), 'allowed');
  });

  test('aws:EpochTime given: aws:CurrentTime is read at that time', async () => {
    const epoch = (s: string): I.ContextEntry => ({ ContextKeyName: 'aws:EpochTime', ContextKeyValues: [s], ContextKeyType: 'numeric' });
    const allowOnly = doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { DateLessThan: { 'aws:CurrentTime': '2031-01-01T00:00:00Z' } } });
    const ask = async (e: I.ContextEntry) => (await iam.send(new I.SimulateCustomPolicyCommand({ PolicyInputList: [allowOnly], ActionNames: ['s3:GetObject'], ContextEntries: [e] }))).EvaluationResults?.[0]?.EvalDecision;
    // 2031-01-01T00:00:00Z: past the Allow's end.
    assert.equal(await ask(epoch('1924992000')), 'implicitDeny');
    // 2029-01-01T00:00:00Z.
    assert.equal(await ask(epoch('1861920000')), 'allowed');
  });

  test('without either, the clock: allowed today', async () => {
    assert.equal(await principal([]), 'allowed');
  });

  test('the Debian aws CLI: the shorthand of its simulate-custom-policy example', { skip: awsCliMissing() }, async () => {
    const r = await awsCli(
      ['--endpoint-url', server.url, '--region', REGION, '--output', 'json', 'iam', 'simulate-custom-policy', '--policy-input-list', SUNSET, '--action-names', 's3:GetObject', '--context-entries', "ContextKeyName='aws:CurrentTime',ContextKeyValues='2030-12-31T12:00:00Z',ContextKeyType=date"],
      awsCliEnv(home, server.admin),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { EvaluationResults: { EvalDecision: string }[] }).EvaluationResults[0]?.EvalDecision, 'explicitDeny');
  });
});
