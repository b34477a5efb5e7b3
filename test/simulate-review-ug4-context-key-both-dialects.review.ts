/**
 * Review ug, 4. As review ug, 1 for the authorize API: the IAM simulators (SimulatePrincipalPolicy,
 * SimulateCustomPolicy) read a context key's `aws:` and `acs:` names as one key (src/core/iam/principal.ts
 * `keyLookup`) and refuse a single-valued key given two values (`ContextEntries` naming `aws:SourceIp` twice, in any
 * case: InvalidInput, docs/errors.md REQUEST_INVALID_CONTEXT), but took `aws:SourceIp` 203.0.113.9 beside
 * `acs:SourceIp` 10.1.2.3 and decided each policy on its own spelling's value: a Deny `NotIpAddress aws:SourceIp
 * 10.0.0.0/8` was simulated `allowed` with the `aws:` entry outside the range, where the authorize API now refuses the
 * question. Now refused InvalidInput naming the entry and both names; the same value under both is one value. SDK v3
 * against a real server (SQLite).
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { iamUserWith, sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const WALT = 'arn:aws:iam::000000000000:user/walt';
const OBJECT = 'arn:aws:s3:::photos/k';
const GUARD = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }, { Effect: 'Deny', Action: 's3:GetObject', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }] };
const entry = (ContextKeyName: string, value: string): I.ContextEntry => ({ ContextKeyName, ContextKeyValues: [value], ContextKeyType: 'ip' });
const CONFLICT = /^ContextEntries\.member\.2: context keys `acs:SourceIp` and `aws:SourceIp` name one key \(each dialect's name of it\) and were given different values: give it once, or the same value under both$/;

let s: TestServer;
let iam: I.IAMClient;

before(async () => {
  s = await startTestServer();
  iam = s.iam();
  await iamUserWith(iam, 'walt', GUARD);
});
after(() => s?.stop());

const decisions = (r: I.SimulatePrincipalPolicyCommandOutput) => (r.EvaluationResults ?? []).map((e) => e.EvalDecision);

describe('review ug, 4: the IAM simulators refuse a key given under both dialects’ names with two values', () => {
  test('SimulatePrincipalPolicy', async () => {
    const base = { PolicySourceArn: WALT, ActionNames: ['s3:GetObject'], ResourceArns: [OBJECT] };
    assert.deepEqual(decisions(await iam.send(new I.SimulatePrincipalPolicyCommand({ ...base, ContextEntries: [entry('aws:SourceIp', '203.0.113.9')] }))), ['explicitDeny']);
    assert.deepEqual(decisions(await iam.send(new I.SimulatePrincipalPolicyCommand({ ...base, ContextEntries: [entry('acs:SourceIp', '203.0.113.9'), entry('aws:SourceIp', '203.0.113.9')] }))), ['explicitDeny']);
    const f = await sdkFailure(iam.send(new I.SimulatePrincipalPolicyCommand({ ...base, ContextEntries: [entry('acs:SourceIp', '10.1.2.3'), entry('aws:SourceIp', '203.0.113.9')] })));
    assert.equal(f.code, 'InvalidInput', JSON.stringify(f));
    assert.equal(f.status, 400);
    assert.match(f.message, CONFLICT);
  });

  test('SimulateCustomPolicy', async () => {
    const f = await sdkFailure(iam.send(new I.SimulateCustomPolicyCommand({ PolicyInputList: [JSON.stringify(GUARD)], ActionNames: ['s3:GetObject'], ResourceArns: [OBJECT], ContextEntries: [entry('acs:SourceIp', '10.1.2.3'), entry('aws:SourceIp', '203.0.113.9')] })));
    assert.equal(f.code, 'InvalidInput', JSON.stringify(f));
    assert.match(f.message, CONFLICT);
  });
});
