import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluatePolicies, validatePolicy, type PolicyText } from './policy.ts';

const READ = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Sid: 'Read', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*' },
    { Sid: 'NotSecret', Effect: 'Deny', Action: 's3:*', Resource: 'arn:aws:s3:::data/secret/*' },
  ],
});
const ALICE = 'arn:aws:iam::111122223333:user/alice';
const identity = (text: string, name = 'read.json'): PolicyText => ({ type: 'identity', name, text });

describe('validatePolicy', () => {
  test('accepts a valid document and returns it parsed', () => {
    const r = validatePolicy(READ, 'identity');
    assert.ok(r.ok);
    assert.equal(r.value.statements.length, 2);
  });

  test('reports errors with path, line and column from text', () => {
    const r = validatePolicy('{\n  "Statement": {"Effect": "Maybe", "Action": "*", "Resource": "*"}\n}', 'identity');
    assert.ok(!r.ok);
    const e = r.errors.find((x) => x.code === 'POLICY_INVALID_EFFECT');
    assert.equal(e?.path, 'Statement.Effect');
    assert.equal(e?.line, 2);
  });

  test('accepts an already-parsed value (from YAML, say)', () => {
    assert.ok(validatePolicy(JSON.parse(READ), 'identity').ok);
  });

  test('the kind decides the grammar', () => {
    assert.ok(!validatePolicy(READ, 'resource').ok);
  });
});

describe('evaluatePolicies', () => {
  const request = { principal: ALICE, action: 's3:GetObject' } as const;

  const cases: [string, string, string][] = [
    ['allowed object', 'arn:aws:s3:::data/a', 'Allow'],
    ['denied prefix', 'arn:aws:s3:::data/secret/a', 'ExplicitDeny'],
    ['other bucket', 'arn:aws:s3:::other/a', 'ImplicitDeny'],
  ];
  for (const [name, resource, expected] of cases) {
    test(name, () => {
      const r = evaluatePolicies({ policies: [identity(READ)], ...request, resource });
      assert.ok(r.ok);
      assert.equal(r.value.decision.decision, expected);
      assert.equal(r.value.explanation, undefined);
    });
  }

  test('explain renders the decision with the policy name and Sid', () => {
    const r = evaluatePolicies({ policies: [identity(READ)], ...request, resource: 'arn:aws:s3:::data/secret/a', explain: true });
    assert.ok(r.ok);
    assert.match(r.value.explanation ?? '', /read\.json/);
    assert.match(r.value.explanation ?? '', /NotSecret/);
  });

  test('a boundary that does not allow blocks', () => {
    const boundary = JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 'ec2:*', Resource: '*' } });
    const r = evaluatePolicies({ policies: [identity(READ), { type: 'boundary', name: 'b', text: boundary }], ...request, resource: 'arn:aws:s3:::data/a' });
    assert.ok(r.ok);
    assert.equal(r.value.decision.decision, 'ImplicitDeny');
    assert.equal(r.value.decision.deniedBy, 'boundary');
  });

  test('multi-valued context and the request time reach the conditions', () => {
    const tagged = JSON.stringify({
      Version: '2012-10-17',
      Statement: {
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: '*',
        Condition: { 'ForAnyValue:StringEquals': { 'aws:PrincipalTag/team': ['x'], 'my:labels': ['b'] }, DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } },
      },
    });
    const run = (labels: string[], time: number): string => {
      const r = evaluatePolicies({ policies: [identity(tagged)], ...request, resource: 'arn:aws:s3:::data/a', context: { 'aws:PrincipalTag/team': 'x', 'my:labels': labels }, time });
      assert.ok(r.ok);
      return r.value.decision.decision;
    };
    assert.equal(run(['a', 'b'], Date.UTC(2025, 0, 1)), 'Allow');
    assert.equal(run(['a', 'c'], Date.UTC(2025, 0, 1)), 'ImplicitDeny');
    assert.equal(run(['a', 'b'], Date.UTC(2031, 0, 1)), 'ImplicitDeny');
  });

  test('every error of every policy and of the request comes back, each with its source', () => {
    const r = evaluatePolicies({
      policies: [identity('{"Statement": []}', 'empty.json'), identity('{', 'cut.json')],
      principal: 'alice',
      action: 's3:*',
      resource: '*',
      resourceAccount: 'abc',
      context: { '': 'x' },
    });
    assert.ok(!r.ok);
    assert.deepEqual(
      r.errors.map((e) => [e.source, e.code]),
      [
        ['empty.json', 'POLICY_EMPTY'],
        ['cut.json', 'POLICY_JSON_SYNTAX'],
        ['request', 'REQUEST_INVALID_PRINCIPAL'],
        ['request', 'REQUEST_INVALID_ACTION'],
        ['request', 'REQUEST_INVALID_CONTEXT'],
        ['request', 'REQUEST_INVALID_CONTEXT'],
      ],
    );
  });

  test('a typed global key the engine cannot read, or a list for a single-valued one, is refused naming the key (review N, N2)', () => {
    const guarded = identity(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }, { Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }] }));
    const ask = (context: Readonly<Record<string, string | readonly string[]>>) => evaluatePolicies({ policies: [guarded], ...request, resource: 'arn:aws:s3:::data/a', context });
    for (const [context, path] of [
      [{ 'aws:SourceIp': 'not-an-ip' }, 'context.aws:SourceIp'],
      [{ 'aws:SourceIp': '' }, 'context.aws:SourceIp'],
      [{ 'AWS:SourceIP': ['203.0.113.9', '10.1.1.1'] }, 'context.AWS:SourceIP'],
      [{ 'aws:SecureTransport': '0' }, 'context.aws:SecureTransport'],
      [{ 'aws:CurrentTime': 'yesterday' }, 'context.aws:CurrentTime'],
      [{ 'aws:EpochTime': 'x' }, 'context.aws:EpochTime'],
    ] as const) {
      const r = ask(context);
      assert.ok(!r.ok, JSON.stringify(context));
      assert.deepEqual(r.errors.map((e) => [e.source, e.code, e.path]), [['request', 'REQUEST_INVALID_CONTEXT', path]], JSON.stringify(context));
    }
    const ok = ask({ 'aws:SourceIp': ['10.1.2.3'], 'aws:SecureTransport': 'true' });
    assert.ok(ok.ok);
    assert.equal(ok.value.decision.decision, 'Allow');
  });

  test('policies are parsed with the grammar of their type', () => {
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Principal: { AWS: ALICE }, Action: 'sts:AssumeRole' } });
    const asTrust = evaluatePolicies({ policies: [{ type: 'trust', name: 't', text: trust }], principal: ALICE, action: 'sts:AssumeRole', resource: 'arn:aws:iam::111122223333:role/r' });
    assert.ok(asTrust.ok);
    assert.equal(asTrust.value.decision.decision, 'Allow');
    const asIdentity = evaluatePolicies({ policies: [identity(trust)], principal: ALICE, action: 'sts:AssumeRole', resource: '*' });
    assert.ok(!asIdentity.ok);
    assert.ok(asIdentity.errors.some((e) => e.code === 'POLICY_PRINCIPAL_NOT_ALLOWED'));
  });

  test('two boundaries are a caller bug', () => {
    const b = { type: 'boundary', name: 'b', text: READ } as const;
    assert.throws(() => evaluatePolicies({ policies: [b, b], ...request, resource: '*' }), /at most one boundary/);
  });
});
