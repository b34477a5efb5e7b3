/**
 * Review vt, 1: a condition operator with no key (`"Condition": {"StringEquals": {}}`) was taken when written. It
 * tests nothing: the statement applied to every request, so an
 * `Allow` whose condition a template emptied (its tag list came out empty) granted without one, while the document still
 * reads as conditional. IAM Access Analyzer reports it ("Empty object condition: This condition block is empty and it
 * does not affect the policy. Specify conditions."), and Gatehouse already refuses the other empty elements it reports
 * (an empty condition value list, `Action`, `Resource` or principal object). Now a written document with one is
 * refused with the JSON path of the empty operator (`Statement[0].Condition.StringEquals`), in
 * either dialect, through the IAM API and `gatehouse apply` alike; a document stored before still parses and is read as
 * before (a document that no longer parses denies what it governs). `"Condition": {}` is still taken, as IAM takes it:
 * it plainly names no condition (an existing test, review hq4, writes its unconditional trust that way).
 *
 * Before the fix 4 of the 5 tests failed (the stored-document one passed).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { compilePolicy, evaluate, parsePolicy, principalFromArn } from '../src/core/iam/index.ts';
import { cliAgainst, sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const aws = (Condition: object) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition }] });
const ram = (Condition: object) => ({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: '*', Condition }] });

const refusedAt = (doc: object, path: string, code: string, kind: 'identity' | 'resource' = 'identity') => {
  const r = parsePolicy(JSON.stringify(doc), { kind, written: true });
  assert.ok(!r.ok, `refused: ${JSON.stringify(doc)}`);
  const e = r.errors.find((x) => x.path === path);
  assert.ok(e, JSON.stringify(r.errors));
  assert.equal(e.code, code);
  return e;
};

let s: TestServer;
let iam: I.IAMClient;
const file = join(tmpdir(), `vt1-${process.pid}.yaml`);

before(async () => {
  s = await startTestServer();
  iam = s.iam();
});
after(async () => {
  await rm(file, { force: true });
  await s?.stop();
});

describe('review vt, 1: an empty condition block is refused when written', () => {
  test('an operator with no key is refused at its path, in either dialect, saying what to do', () => {
    const e = refusedAt(aws({ StringEquals: {} }), 'Statement[0].Condition.StringEquals', 'POLICY_INVALID_CONDITION_KEY');
    assert.match(e.message, /`StringEquals`/, e.message);
    assert.match(e.message, /no condition key/, e.message);
    assert.equal(e.line, 1);
    refusedAt(ram({ StringEquals: {} }), 'Statement[0].Condition.StringEquals', 'POLICY_INVALID_CONDITION_KEY');
    // Beside a valid one: the empty one is still refused, the valid one is not named.
    const r = parsePolicy(JSON.stringify(aws({ IpAddress: { 'aws:SourceIp': '10.0.0.0/8' }, 'ForAnyValue:StringLike': {} })), { kind: 'identity', written: true });
    assert.ok(!r.ok);
    assert.deepEqual(r.errors.map((x) => x.path), ['Statement[0].Condition.ForAnyValue:StringLike']);
    // A resource policy too.
    refusedAt({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*', Condition: { StringEqualsIfExists: {} } }] }, 'Statement[0].Condition.StringEqualsIfExists', 'POLICY_INVALID_CONDITION_KEY', 'resource');
  });

  test('a `Condition` with no operator is taken, as IAM takes it: it names no condition', () => {
    assert.ok(parsePolicy(JSON.stringify(aws({})), { kind: 'identity', written: true }).ok);
    assert.ok(parsePolicy(JSON.stringify(ram({})), { kind: 'identity', written: true }).ok);
  });

  test('CreatePolicy and PutUserPolicy answer MalformedPolicyDocument naming the path, and nothing is stored', async () => {
    const f = await sdkFailure(iam.send(new I.CreatePolicyCommand({ PolicyName: 'vt1-empty', PolicyDocument: JSON.stringify(aws({ StringEquals: {} })) })));
    assert.equal(f.code, 'MalformedPolicyDocument', f.message);
    assert.match(f.message, /Statement\[0\]\.Condition\.StringEquals/, f.message);
    assert.equal((await sdkFailure(iam.send(new I.GetPolicyCommand({ PolicyArn: `arn:aws:iam::${ACCT}:policy/vt1-empty` })))).code, 'NoSuchEntity');
    await iam.send(new I.CreateUserCommand({ UserName: 'vt1-user' }));
    const g = await sdkFailure(iam.send(new I.PutUserPolicyCommand({ UserName: 'vt1-user', PolicyName: 'p', PolicyDocument: JSON.stringify(aws({ 'ForAllValues:StringEquals': {} })) })));
    assert.equal(g.code, 'MalformedPolicyDocument', g.message);
    assert.match(g.message, /Statement\[0\]\.Condition\.ForAllValues:StringEquals/, g.message);
  });

  test('gatehouse apply refuses it, naming the file path', async () => {
    await writeFile(file, 'apiVersion: gatehouse.dev/v1\nkind: Policy\nmetadata: {name: vt1-applied}\nspec:\n  document:\n    Version: "2012-10-17"\n    Statement:\n      - Effect: Allow\n        Action: s3:GetObject\n        Resource: "*"\n        Condition:\n          StringLike: {}\n');
    const r = await cliAgainst(s, ['apply', '-f', file]);
    assert.notEqual(r.status, 0, r.out + r.err);
    assert.match(r.err, /spec\.document\.Statement\[0\]\.Condition\.StringLike/, r.err);
    assert.equal((await sdkFailure(iam.send(new I.GetPolicyCommand({ PolicyArn: `arn:aws:iam::${ACCT}:policy/vt1-applied` })))).code, 'NoSuchEntity');
  });

  test('a document stored before the rule still parses, and is read as it was (the empty block restricts nothing)', () => {
    const stored = parsePolicy(JSON.stringify(aws({ StringEquals: {} })), { kind: 'identity' });
    assert.ok(stored.ok, JSON.stringify(stored.ok ? '' : stored.errors));
    const who = principalFromArn(`arn:aws:iam::${ACCT}:user/alice`);
    assert.ok(who.ok);
    const d = evaluate({ principal: who.value, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' }, { identity: [compilePolicy(stored.value, 'p')] });
    assert.equal(d.decision, 'Allow');
    assert.ok(parsePolicy(JSON.stringify(ram({})), { kind: 'identity' }).ok);
  });
});
