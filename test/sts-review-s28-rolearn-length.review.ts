/**
 * Stop 28 (from review an, 2): AWS bounds `RoleArn` to 20–2,048 characters (AssumeRole and
 * AssumeRoleWithWebIdentity answer ValidationError "Value at 'roleArn' failed to satisfy constraint: Member must have
 * length less than or equal to 2048"). Gatehouse took a role path of any length: the refusal (no such role) was then
 * recorded with the whole value, which is what stopped the audit log's filter index on PostgreSQL (review an, 2).
 * Real server, SDK v3.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as S from '@aws-sdk/client-sts';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
let s: TestServer;

before(async () => {
  s = await startTestServer();
});
after(async () => s?.stop());

const long = `arn:aws:iam::${ACCT}:role/${'p/'.repeat(1100)}r`;

test('AssumeRole with a RoleArn over 2,048 characters: ValidationError naming the limit', async () => {
  assert.ok(long.length > 2048);
  const e = await sdkFailure(s.sts().send(new S.AssumeRoleCommand({ RoleArn: long, RoleSessionName: 's28' })));
  assert.equal(e.code, 'ValidationError');
  assert.match(e.message, /Value at 'roleArn' failed to satisfy constraint: Member must have length less than or equal to 2048/);
  // One short of the limit is read as a role ARN: no such role, refused as AWS refuses it.
  const prefix = `arn:aws:iam::${ACCT}:role/`;
  const pairs = Math.floor((2048 - prefix.length - 10) / 2);
  const atLimit = `${prefix}${'p/'.repeat(pairs)}${'r'.repeat(2048 - prefix.length - 2 * pairs)}`;
  assert.equal(atLimit.length, 2048);
  const e2 = await sdkFailure(s.sts().send(new S.AssumeRoleCommand({ RoleArn: atLimit, RoleSessionName: 's28' })));
  assert.doesNotMatch(e2.message, /length/);
});

test('AssumeRole with a RoleArn under 20 characters: ValidationError naming the minimum', async () => {
  const e = await sdkFailure(s.sts().send(new S.AssumeRoleCommand({ RoleArn: 'arn:aws:iam::1:r', RoleSessionName: 's28' })));
  assert.equal(e.code, 'ValidationError');
  assert.match(e.message, /Member must have length greater than or equal to 20/);
});

test('AssumeRoleWithWebIdentity with a RoleArn over 2,048 characters: ValidationError naming the limit', async () => {
  const sts = new S.STSClient({ endpoint: s.url, region: 'us-east-1', maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
  try {
    const e = await sdkFailure(sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: long, RoleSessionName: 's28', WebIdentityToken: 'x'.repeat(10) })));
    assert.equal(e.code, 'ValidationError');
    assert.match(e.message, /less than or equal to 2048/);
  } finally {
    sts.destroy();
  }
});
