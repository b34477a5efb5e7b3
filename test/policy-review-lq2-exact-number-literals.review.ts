/**
 * Review lq, 2: a condition value written as a JSON number (unquoted, as AWS's own examples write
 * `"NumericLessThanEquals": {"aws:MultiFactorAuthAge": 3600}`) was read as a double, so the document compared a value it
 * does not hold: `"NumericEquals": {"app:size": 9007199254740993}` compared 2^53 (9007199254740992), and
 * `"NumericLessThan": {"app:size": 0.1000000000000000001}` compared 0.1. An Allow applied to a value it does not name
 * (fails open) and refused one it does. Review he, 1 made Numeric and Date comparisons exact decimals, as written, for
 * values written in quotes; and the authorize API refuses a context number it cannot carry exactly (review cm, 4). Now
 * a number literal of a policy keeps the decimal it is written as, in every place a document is read (a stored policy
 * deciding through the authorize API, SimulateCustomPolicy's PolicyInputList), and compares exactly; a number a double
 * holds exactly reads as before. IAM keeps a policy document as its text (GetPolicyVersion answers it as written, the
 * number unquoted), and the number the text names is the one written; a reader that silently rounds it decides on a
 * policy nobody wrote (reference §A.1.7, docs/semantics.md "Date values … Numeric").
 * The engine, and a real server with SDK v3 clients (IAM simulator) and the authorize API.
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { compilePolicy, contextOf, evaluate, parsePolicy, principalFromArn } from '../src/core/iam/index.ts';
import { authorizeDecision } from './support/authorize-api.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ALICE = 'arn:aws:iam::000000000000:user/alice';
/** Written by hand, as a policy author writes it: the numbers unquoted. */
const POLICY = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"NumericEquals": {"app:size": 9007199254740993}}},
    {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*", "Condition": {"NumericLessThan": {"app:size": [0.1000000000000000001]}}},
    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*", "Condition": {"NumericGreaterThan": {"app:size": 1.00000000000000000001e2}}}
  ]
}`;
/** Action, the value of `app:size`, and the decision the document as written gives. */
const CASES: readonly [string, string, 'Allow' | 'ImplicitDeny'][] = [
  ['s3:GetObject', '9007199254740993', 'Allow'],
  ['s3:GetObject', '9007199254740992', 'ImplicitDeny'],
  ['s3:PutObject', '0.1', 'Allow'],
  ['s3:PutObject', '0.1000000000000000001', 'ImplicitDeny'],
  ['s3:ListBucket', '100.000000000000000001', 'ImplicitDeny'],
  ['s3:ListBucket', '100.000000000000000002', 'Allow'],
];

let server: TestServer;
before(async () => {
  server = await startTestServer();
  const iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'numbers', PolicyDocument: POLICY }));
});
after(() => server?.stop());

describe('review lq, 2: a number literal in a condition compares as written', () => {
  it('the engine', () => {
    const r = parsePolicy(POLICY, { kind: 'identity' });
    assert.ok(r.ok, JSON.stringify(r.ok ? '' : r.errors));
    const p = compilePolicy(r.value, 'numbers');
    const who = principalFromArn(ALICE);
    assert.ok(who.ok);
    const got = CASES.map(([action, x]) => [action, x, evaluate({ principal: who.value, action, resource: 'arn:aws:s3:::b/k', context: contextOf({ 'app:size': x }) }, { identity: [p] }).decision]);
    assert.deepEqual(got, CASES);
  });

  it('a stored policy, through the authorize API', async () => {
    const got = [];
    for (const [action, x] of CASES) got.push([action, x, await authorizeDecision(server, { principal: ALICE, action, resource: 'arn:aws:s3:::b/k', context: { 'app:size': x } })]);
    assert.deepEqual(got, CASES);
  });

  it('SimulateCustomPolicy', async () => {
    const iam = server.iam();
    const got = [];
    for (const [action, x] of CASES) {
      const r = await iam.send(new I.SimulateCustomPolicyCommand({ PolicyInputList: [POLICY], ActionNames: [action], ContextEntries: [{ ContextKeyName: 'app:size', ContextKeyType: 'numeric', ContextKeyValues: [x] }] }));
      got.push([action, x, r.EvaluationResults?.[0]?.EvalDecision === 'allowed' ? 'Allow' : 'ImplicitDeny']);
    }
    assert.deepEqual(got, CASES);
  });
});
