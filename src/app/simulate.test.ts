import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy, parsePolicy, principalFromArn } from '../core/iam/index.ts';
import type { AppDeps } from './deps.ts';
import type { Caller } from './principals.ts';
import type { Store } from './ports/store.ts';
import { simulateCustomPolicy, simulatePrincipalPolicy, statementSpans } from './simulate.ts';

describe('statementSpans', () => {
  test('finds each statement of a Statement array, across lines', () => {
    const text = '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow", "Action": "*", "Resource": "*"},\n    {\n      "Effect": "Deny",\n      "Action": "s3:*",\n      "Resource": "*"\n    }\n  ]\n}';
    const spans = statementSpans(text);
    assert.deepEqual(spans[0], { start: { line: 4, column: 5 }, end: { line: 4, column: 56 } });
    assert.deepEqual(spans[1], { start: { line: 5, column: 5 }, end: { line: 9, column: 6 } });
  });

  test('a single-object Statement, with braces and escaped quotes inside strings', () => {
    const text = '{"Statement":  {"Sid": "", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/{x}\\"}"}}';
    const [span] = statementSpans(text);
    assert.equal(span?.start.column, text.indexOf('{', 1) + 1);
    assert.equal(span?.end.column, text.length, 'just past the statement’s own closing brace');
  });

  test('nothing for text that is not JSON', () => {
    assert.deepEqual(statementSpans('{"Statement": ['), []);
  });
});

const ACCT = '111122223333';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

/** A caller with the given identity policy, over a store that knows no user. */
function setup(policy: string): { deps: AppDeps; caller: Caller } {
  const parsed = parsePolicy(policy, { kind: 'identity' });
  assert.ok(parsed.ok);
  const principal = principalFromArn(`arn:aws:iam::${ACCT}:user/auditor`);
  assert.ok(principal.ok);
  const tx = { users: { get: async () => undefined }, accounts: { get: async () => ({ id: ACCT, partition: 'aws', name: ACCT, created: '' }) } };
  const store = { read: (fn: (t: unknown) => Promise<unknown>) => fn(tx) } as unknown as Store;
  const deps = { store, now: () => Date.UTC(2026, 0, 1) } as unknown as AppDeps;
  const caller: Caller = { principal: principal.value, partition: 'aws', account: ACCT, user: undefined, policies: { identity: [compilePolicy(parsed.value, 'auditor')] }, accessKeyId: 'AKIATEST' };
  return { deps, caller };
}

const { deps, caller } = setup(doc({ Effect: 'Allow', Action: ['iam:SimulateCustomPolicy', 'iam:SimulatePrincipalPolicy'], Resource: '*' }));

describe('simulateCustomPolicy', () => {
  test('decisions, matched statements and their positions', async () => {
    const policy = doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }, { Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*' });
    const r = await simulateCustomPolicy(deps, caller, { policyInputList: [policy], actionNames: ['s3:GetObject', 's3:DeleteObject', 'ec2:RunInstances'] });
    assert.ok(r.ok);
    assert.deepEqual(r.value.map((x) => [x.evalResourceName, x.evalDecision]), [['*', 'allowed'], ['*', 'explicitDeny'], ['*', 'implicitDeny']]);
    const [deny] = r.value[1]?.matchedStatements ?? [];
    assert.equal(deny?.sourcePolicyId, 'PolicyInputList.1');
    assert.equal(deny?.sourcePolicyType, 'none');
    assert.equal(deny?.startPosition?.column, policy.indexOf('},{') + 3);
  });

  test('MissingContextValues: keys of applicable statements the request does not supply', async () => {
    const policy = doc(
      { Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' }, StringEqualsIfExists: { 's3:prefix': 'home/' } } },
      { Effect: 'Allow', Action: 'ec2:*', Resource: '*', Condition: { StringEquals: { 'ec2:Region': 'eu' } } },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 'aws:username': 'auditor' } } },
    );
    const missing = await simulateCustomPolicy(deps, caller, { policyInputList: [policy], actionNames: ['s3:GetObject'] });
    assert.ok(missing.ok);
    assert.deepEqual(missing.value[0]?.missingContextValues, ['aws:SourceIp', 's3:prefix'], 'not ec2:Region (another action), not aws:username (derived)');
    assert.equal(missing.value[0]?.evalDecision, 'allowed', 'the aws:username statement allows');

    const given = await simulateCustomPolicy(deps, caller, {
      policyInputList: [policy],
      actionNames: ['s3:GetObject'],
      contextEntries: [{ key: 'aws:SourceIp', values: ['10.1.1.1'], type: 'ip' }, { key: 'aws:username', values: ['someone-else'] }],
    });
    assert.ok(given.ok);
    assert.deepEqual(given.value[0]?.missingContextValues, ['s3:prefix']);
    assert.deepEqual(given.value[0]?.matchedStatements.map((m) => m.startPosition?.column), [policy.indexOf('{', 1) + 1], 'the given aws:username overrides the caller’s own');
  });

  test('a permissions boundary caps the policies, and says so', async () => {
    const r = await simulateCustomPolicy(deps, caller, { policyInputList: [doc({ Effect: 'Allow', Action: '*', Resource: '*' })], permissionsBoundaryPolicyInputList: [doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' })], actionNames: ['s3:GetObject', 'iam:CreateUser'] });
    assert.ok(r.ok);
    assert.deepEqual(r.value.map((x) => [x.evalDecision, x.allowedByPermissionsBoundary]), [['allowed', true], ['implicitDeny', false]]);
  });

  test('refuses bad input with the IAM error codes', async () => {
    const p = [doc({ Effect: 'Allow', Action: '*', Resource: '*' })];
    const code = async (input: Parameters<typeof simulateCustomPolicy>[2]) => {
      const r = await simulateCustomPolicy(deps, caller, input);
      return r.ok ? 'ok' : r.errors[0]?.code;
    };
    assert.equal(await code({ policyInputList: [], actionNames: ['s3:GetObject'] }), 'VALIDATION_ERROR');
    assert.equal(await code({ policyInputList: p, actionNames: [] }), 'VALIDATION_ERROR');
    assert.equal(await code({ policyInputList: p, actionNames: ['s3:*'] }), 'INVALID_INPUT');
    assert.equal(await code({ policyInputList: p, actionNames: ['s3:GetObject'], permissionsBoundaryPolicyInputList: [p[0] as string, p[0] as string] }), 'INVALID_INPUT');
    assert.equal(await code({ policyInputList: p, actionNames: ['s3:GetObject'], contextEntries: [{ key: 'aws:SourceIp', values: [], type: 'ipv6' }] }), 'VALIDATION_ERROR');
    assert.equal(await code({ policyInputList: p, actionNames: ['s3:GetObject'], resourcePolicy: doc({ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }) }), 'INVALID_INPUT');
    assert.equal(await code({ policyInputList: ['{"Statement": {}}'], actionNames: ['s3:GetObject'] }), 'POLICY_MISSING_ELEMENT');
    assert.equal(await code({ policyInputList: p, actionNames: ['s3:GetObject'], callerArn: `arn:aws:iam::${ACCT}:role/r` }), 'INVALID_INPUT');
  });

  test('is authorized by the engine', async () => {
    const other = setup(doc({ Effect: 'Allow', Action: 'iam:SimulatePrincipalPolicy', Resource: '*' }));
    const r = await simulateCustomPolicy(other.deps, other.caller, { policyInputList: [doc({ Effect: 'Allow', Action: '*', Resource: '*' })], actionNames: ['s3:GetObject'] });
    assert.equal(!r.ok && r.errors[0]?.code, 'ACCESS_DENIED');
    const p = await simulatePrincipalPolicy(other.deps, { ...other.caller, policies: { identity: [] } }, { policySourceArn: `arn:aws:iam::${ACCT}:user/x`, actionNames: ['s3:GetObject'] });
    assert.equal(!p.ok && p.errors[0]?.code, 'ACCESS_DENIED');
  });
});
