/**
 * Policy review nc, 1: a KMS key policy's `kms:CallerAccount` condition was never set, and an asker could set it for any principal.
 * Before the fix 3 of 4 tests failed.
 *
 * KMS supplies `kms:CallerAccount`, the account of the principal calling (AWS KMS developer guide, "AWS KMS condition
 * keys": kms:CallerAccount), and key policies lean on it: AWS's own key policies for AWS managed keys, and the usual
 * "everyone of this account" grant, are `Principal: {"AWS": "*"}` with `StringEquals kms:CallerAccount <account>`; a
 * key-policy guard denies `StringNotEquals kms:CallerAccount <account>`. Gatehouse decides key use by the key policy
 * (reference §A.1.2, "Exceptions"; src/core/iam/evaluate.ts), but no request carried the key: the grant gave the account's
 * own users nothing, the guard denied them too (a negated operator on a missing key holds), and the authorize API took the
 * asker's context value for it, so a resource server could name another account's user and have the key policy's grant
 * to the owner's account apply to it. It is now the principal's account on every `kms:` question, a fact no context
 * overrides, as `aws:PrincipalAccount` is. Real server, IAM SDK v3, the authorize API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const B = '222233334444';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const OPEN_KEY = `arn:aws:kms:us-east-1:${A}:key/nc1-open`;
const GUARDED_KEY = `arn:aws:kms:us-east-1:${A}:key/nc1-guarded`;

let s: TestServer;

const putPolicy = async (resource: string, ...Statement: object[]): Promise<void> => {
  const r = await gatehouseJson(s.url, s.admin, 'PUT', `/v1/resource-policies/${encodeURIComponent(resource)}`, { document: { Version: '2012-10-17', Statement } });
  assert.equal(r.status, 200, JSON.stringify(r.json));
};
const decide = async (principal: string, action: string, resource: string, context?: object): Promise<Record<string, unknown>> => {
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal, action, resource, ...(context !== undefined ? { context } : {}) });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json;
};

before(async () => {
  s = await startTestServer();
  const b = await gatehouseJson(s.url, s.admin, 'POST', '/v1/accounts', { id: B, partition: 'aws' });
  assert.equal(b.status, 201, JSON.stringify(b.json));
  const adminB: Credentials = { accessKeyId: String(b.json['AccessKeyId']), secretAccessKey: String(b.json['SecretAccessKey']) };
  const useKeys = doc({ Effect: 'Allow', Action: 'kms:*', Resource: '*' });
  await s.iam().send(new I.CreateUserCommand({ UserName: 'alice' }));
  await s.iam().send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'keys', PolicyDocument: useKeys }));
  await s.iam(adminB).send(new I.CreateUserCommand({ UserName: 'mallory' }));
  await s.iam(adminB).send(new I.PutUserPolicyCommand({ UserName: 'mallory', PolicyName: 'keys', PolicyDocument: useKeys }));
  // AWS's pattern for "every principal of this account": everyone, narrowed by the caller's account.
  await putPolicy(OPEN_KEY, { Sid: 'Account', Effect: 'Allow', Principal: { AWS: '*' }, Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: '*', Condition: { StringEquals: { 'kms:CallerAccount': A } } });
  // The account delegated to its IAM policies, and a guard against every other account.
  await putPolicy(
    GUARDED_KEY,
    { Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'kms:*', Resource: '*' },
    { Sid: 'OnlyOurs', Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*', Condition: { StringNotEquals: { 'kms:CallerAccount': A } } },
  );
  // Until the key policies are in force (their `Root` statement is read for alice).
  const inForce = async (): Promise<boolean> => JSON.stringify((await decide(`arn:aws:iam::${A}:user/alice`, 'kms:Decrypt', GUARDED_KEY))['matched']).includes('"sid":"Root"');
  const deadline = Date.now() + 20_000;
  while (!(await inForce()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
});
after(() => s?.stop());

describe('kms:CallerAccount is the calling principal’s account (review nc, 1)', () => {
  it('a key policy granting everyone of the account by kms:CallerAccount grants the account’s user', async () => {
    const d = await decide(`arn:aws:iam::${A}:user/alice`, 'kms:Decrypt', OPEN_KEY);
    assert.equal(d['decision'], 'Allow', JSON.stringify(d));
  });

  it('it grants no principal of another account', async () => {
    const d = await decide(`arn:aws:iam::${B}:user/mallory`, 'kms:Decrypt', OPEN_KEY);
    assert.notEqual(d['decision'], 'Allow', JSON.stringify(d));
  });

  it('an asker’s context cannot make another account’s user one of the key’s account', async () => {
    const d = await decide(`arn:aws:iam::${B}:user/mallory`, 'kms:Decrypt', OPEN_KEY, { 'kms:CallerAccount': A });
    assert.notEqual(d['decision'], 'Allow', JSON.stringify(d));
    const guarded = await decide(`arn:aws:iam::${B}:user/mallory`, 'kms:Decrypt', GUARDED_KEY, { 'kms:callerAccount': A });
    assert.equal(guarded['decision'], 'ExplicitDeny', JSON.stringify(guarded));
  });

  it('a Deny guarding the key by kms:CallerAccount spares the account’s own user, who its IAM policy allows', async () => {
    const d = await decide(`arn:aws:iam::${A}:user/alice`, 'kms:Decrypt', GUARDED_KEY);
    assert.equal(d['decision'], 'Allow', JSON.stringify(d));
    assert.equal((await decide(`arn:aws:iam::${B}:user/mallory`, 'kms:Decrypt', GUARDED_KEY))['decision'], 'ExplicitDeny');
  });
});
