import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy, contextOf, evaluate, parsePolicy, principalFromArn, type PolicyKind } from './index.ts';

const compile = (doc: unknown, kind: PolicyKind = 'identity', name = 'p') => {
  const r = parsePolicy(JSON.stringify(doc), { kind });
  assert.ok(r.ok, JSON.stringify(r.ok ? '' : r.errors));
  return compilePolicy(r.value, name);
};
const who = (arn: string) => {
  const r = principalFromArn(arn);
  assert.ok(r.ok);
  return r.value;
};
const trustTraining = compile({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] }, 'trust', 'trust');

test('a trust policy naming a service lets that service assume the role, and no one else', () => {
  const role = 'arn:aws:iam::111122223333:role/trainer';
  const ok = evaluate({ principal: who('training.gatehouse.dev'), action: 'sts:AssumeRole', resource: role }, { identity: [], trust: trustTraining });
  assert.equal(ok.decision, 'Allow');
  const other = evaluate({ principal: who('compute.gatehouse.dev'), action: 'sts:AssumeRole', resource: role }, { identity: [], trust: trustTraining });
  assert.equal(other.decision, 'ImplicitDeny');
  assert.equal(other.deniedBy, 'trust');
  const admin = compile({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });
  const user = evaluate({ principal: who('arn:aws:iam::111122223333:user/alice'), action: 'sts:AssumeRole', resource: role }, { identity: [admin], trust: trustTraining });
  assert.equal(user.decision, 'ImplicitDeny', 'an identity policy alone never satisfies a trust policy');
});

test('same-account resource policy: user ARN grants alone, account root only delegates', () => {
  const bucket = 'arn:aws:s3:::data/x';
  const byUser = compile({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:user/alice' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*' }] }, 'resource');
  const byRoot = compile({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '111122223333' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*' }] }, 'resource');
  const alice = who('arn:aws:iam::111122223333:user/alice');
  assert.equal(evaluate({ principal: alice, action: 's3:GetObject', resource: bucket, resourceAccount: '111122223333' }, { identity: [], resource: [byUser] }).decision, 'Allow');
  assert.equal(evaluate({ principal: alice, action: 's3:GetObject', resource: bucket, resourceAccount: '111122223333' }, { identity: [], resource: [byRoot] }).decision, 'ImplicitDeny');
  const boundary = compile({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:*', Resource: '*' }] });
  // The boundary does not limit a grant to the user ARN (reference §A.1.2 table).
  assert.equal(evaluate({ principal: alice, action: 's3:GetObject', resource: bucket, resourceAccount: '111122223333' }, { identity: [], boundary, resource: [byUser] }).decision, 'Allow');
});

test('a KMS key is used only as its key policy allows: identity counts where it names the account (review hs, 4)', () => {
  const key = 'arn:aws:kms:us-east-1:111122223333:key/k1';
  const admin = compile({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });
  const byRole = compile({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/app' }, Action: 'kms:Decrypt', Resource: '*' }] }, 'resource');
  const byAccount = compile({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' }] }, 'resource');
  const alice = who('arn:aws:iam::111122223333:user/alice');
  const decrypt = (resource: readonly ReturnType<typeof compile>[] | undefined, on = key) =>
    evaluate({ principal: alice, action: 'kms:Decrypt', resource: on }, { identity: [admin], ...(resource !== undefined ? { resource } : {}) });
  assert.deepEqual([decrypt([byRole]).decision, decrypt([byRole]).deniedBy], ['ImplicitDeny', 'resource']);
  assert.equal(decrypt([]).decision, 'ImplicitDeny', 'no key policy: no one');
  assert.equal(decrypt([byAccount]).decision, 'Allow', 'the default key policy lets IAM decide');
  assert.equal(decrypt(undefined).decision, 'Allow', 'no resource policies in the set (a simulation without one): identity alone');
  assert.equal(decrypt([], 'arn:aws:kms:us-east-1:111122223333:alias/a').decision, 'Allow', 'an alias is no key');
  assert.equal(evaluate({ principal: who('arn:aws:iam::111122223333:root'), action: 'kms:Decrypt', resource: key }, { identity: [], resource: [byRole] }).decision, 'ImplicitDeny', 'root neither');
});

test('explain lists the failed condition with its reason', () => {
  const p = compile({ Version: '2012-10-17', Statement: [{ Sid: 'Net', Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }] });
  const d = evaluate({ principal: who('arn:aws:iam::111122223333:user/alice'), action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context: contextOf({ 'aws:SourceIp': '192.168.1.1' }) }, { identity: [p] }, { explain: true });
  assert.equal(d.decision, 'ImplicitDeny');
  assert.equal(d.conditionFailures[0]?.sid, 'Net');
  assert.match(d.conditionFailures[0]?.reason ?? '', /192\.168\.1\.1/);
});

test('unconditional: an Allow with a Condition block does not apply, a Deny with one still does; matched statements carry their conditions', () => {
  const p = compile({ Version: '2012-10-17', Statement: [
    { Sid: 'Net', Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' }, Bool: { 'aws:SecureTransport': 'true' } } },
    { Sid: 'NoTmp', Effect: 'Deny', Action: 's3:*', Resource: 'arn:aws:s3:::b/tmp/*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } },
  ] });
  const alice = who('arn:aws:iam::111122223333:user/alice');
  const context = contextOf({ 'aws:SourceIp': '10.1.2.3', 'aws:SecureTransport': 'true' });
  const met = evaluate({ principal: alice, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context }, { identity: [p] });
  assert.equal(met.decision, 'Allow');
  assert.deepEqual(met.matched.map((m) => m.conditions), [['IpAddress aws:SourceIp', 'Bool aws:SecureTransport']]);
  assert.equal(evaluate({ principal: alice, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context }, { identity: [p] }, { unconditional: true }).decision, 'ImplicitDeny');
  const always = compile({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] });
  assert.equal(evaluate({ principal: alice, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context }, { identity: [p, always] }, { unconditional: true }).decision, 'Allow');
  assert.equal(evaluate({ principal: alice, action: 's3:GetObject', resource: 'arn:aws:s3:::b/tmp/x', context }, { identity: [p, always] }, { unconditional: true }).decision, 'ExplicitDeny');
  const failed = evaluate({ principal: alice, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' }, { identity: [p] }, { explain: true });
  assert.deepEqual(failed.conditionFailures.map((f) => [f.sid, f.effect, f.operator, f.key]), [['Net', 'Allow', 'IpAddress', 'aws:SourceIp']]);
});

test('deniesHold: a Deny with a Condition block applies whatever the context, an Allow with one is decided as ever (review du, 2)', () => {
  const p = compile({ Version: '2012-10-17', Statement: [
    { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
    { Sid: 'Office', Effect: 'Deny', Action: '*', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } },
  ] });
  const alice = who('arn:aws:iam::111122223333:user/alice');
  const inside = { principal: alice, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context: contextOf({ 'aws:SourceIp': '10.1.2.3' }) };
  assert.equal(evaluate(inside, { identity: [p] }).decision, 'Allow');
  const held = evaluate(inside, { identity: [p] }, { deniesHold: true });
  assert.equal(held.decision, 'ExplicitDeny');
  assert.deepEqual(held.matched.filter((m) => m.effect === 'Deny').map((m) => [m.sid, m.conditions]), [['Office', ['NotIpAddress aws:SourceIp']]]);
  const open = compile({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }] });
  assert.equal(evaluate({ ...inside, context: contextOf({ 'aws:SourceIp': '192.0.2.1' }) }, { identity: [open] }, { deniesHold: true }).decision, 'ImplicitDeny', 'an Allow\'s condition is still evaluated');
});

test('the summary says how a resource policy named the caller: everyone, or the account it only delegates to', () => {
  const bucket = 'arn:aws:s3:::data/x';
  const open = compile({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*' }] }, 'resource');
  const byRoot = compile({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*' }] }, 'resource');
  const alice = who('arn:aws:iam::111122223333:user/alice');
  const req = { principal: alice, action: 's3:GetObject', resource: bucket, resourceAccount: '111122223333' };
  assert.equal(evaluate(req, { identity: [], resource: [open] }).summary, 'allowed by a resource policy open to everyone (boundary and session policies applied)');
  const boundary = compile({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:*', Resource: '*' }] });
  assert.equal(evaluate(req, { identity: [], boundary, resource: [open] }).summary, 'a resource policy allows everyone, but the permissions boundary does not');
  const delegated = evaluate(req, { identity: [], resource: [byRoot] });
  assert.equal(delegated.decision, 'ImplicitDeny');
  assert.match(delegated.summary, /^a resource policy delegates to the account \(it names the account, not this principal\), and no identity policy allows this request$/);
});

test('aws:TokenIssueTime: a session named by ARN alone counts as issued at the earliest (revoked), one with its issue time as issued', () => {
  const revokeOlder = compile({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: '*', Resource: '*', Condition: { DateLessThan: { 'aws:TokenIssueTime': '2026-06-01T00:00:00Z' } } }, { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
  const named = who('arn:aws:sts::111122223333:assumed-role/trainer/s1');
  const req = { principal: named, action: 's3:GetObject', resource: 'arn:aws:s3:::d/x', time: Date.parse('2026-07-01T00:00:00Z') };
  assert.equal(evaluate(req, { identity: [revokeOlder] }).decision, 'ExplicitDeny', 'fail closed');
  const older = principalFromArn('arn:aws:sts::111122223333:assumed-role/trainer/s1', { session: { issuedAt: Date.parse('2026-05-01T00:00:00Z') } });
  const newer = principalFromArn('arn:aws:sts::111122223333:assumed-role/trainer/s1', { session: { issuedAt: Date.parse('2026-06-02T00:00:00Z') } });
  assert.ok(older.ok && newer.ok);
  assert.equal(evaluate({ ...req, principal: older.value }, { identity: [revokeOlder] }).decision, 'ExplicitDeny');
  assert.equal(evaluate({ ...req, principal: newer.value }, { identity: [revokeOlder] }).decision, 'Allow');
});

test('a request value that does not parse fails closed: a Deny applies, an Allow does not, and explain says so (review N, N2)', () => {
  const p = compile({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Corp', Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } },
      { Sid: 'Tls', Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } },
      { Effect: 'Allow', Action: 's3:PutObject', Resource: '*' },
    ],
  });
  const alice = who('arn:aws:iam::111122223333:user/alice');
  const denied = evaluate({ principal: alice, action: 's3:PutObject', resource: 'arn:aws:s3:::b/k', context: contextOf({ 'aws:SourceIp': 'not-an-ip' }) }, { identity: [p] }, { explain: true });
  assert.equal(denied.decision, 'ExplicitDeny');
  assert.ok(denied.matched.some((m) => m.sid === 'Corp' && m.effect === 'Deny'));
  const corp = denied.conditionFailures.find((f) => f.sid === 'Corp');
  assert.equal(corp?.reason, '`aws:SourceIp` = `not-an-ip` is not an IP address: NotIpAddress cannot be evaluated: the Deny applies (fails closed)');
  const notAllowed = evaluate({ principal: alice, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context: contextOf({ 'aws:SourceIp': '10.1.1.1', 'aws:SecureTransport': '1' }) }, { identity: [p] }, { explain: true });
  assert.equal(notAllowed.decision, 'ImplicitDeny');
  assert.equal(notAllowed.conditionFailures.find((f) => f.sid === 'Tls')?.reason, '`aws:SecureTransport` = `1` is not `true` or `false`: Bool cannot be evaluated: the Allow does not apply (fails closed)');
});

test('NotPrincipal naming the account (by root ARN or id) exempts the account root, and only that account’s (review N, N7)', () => {
  const deny = (account: string) => compile({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', NotPrincipal: { AWS: [account] }, Action: 's3:*', Resource: '*' }] }, 'resource');
  const req = (arn: string) => ({ principal: who(arn), action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', resourceAccount: '111122223333' });
  assert.equal(evaluate(req('arn:aws:iam::111122223333:root'), { identity: [], resource: [deny('arn:aws:iam::111122223333:root')] }).decision, 'Allow');
  assert.equal(evaluate(req('arn:aws:iam::111122223333:root'), { identity: [], resource: [deny('111122223333')] }).decision, 'Allow');
  assert.equal(evaluate(req('arn:aws:iam::444455556666:root'), { identity: [], resource: [deny('111122223333')] }).decision, 'ExplicitDeny');
  // A user of the account is still denied: the account entry does not exempt what is under it.
  assert.equal(evaluate(req('arn:aws:iam::111122223333:user/bob'), { identity: [], resource: [deny('111122223333')] }).decision, 'ExplicitDeny');
});
