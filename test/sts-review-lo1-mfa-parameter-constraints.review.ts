/**
 * Review lo, 1: `SerialNumber` and `TokenCode` were refused whatever they held, before their own constraints were
 * checked. STS checks every parameter against its constraints first and answers a broken one ValidationError (review
 * hd, 4), and the two MFA parameters have theirs (STS API reference, AssumeRole and GetSessionToken; botocore
 * `serialNumberType` 9 to 256 characters of `[\w+=/:,.@-]*`, `tokenCodeType` exactly 6 characters of `[\d]*`;
 * /work/shared/reference/policy-semantics.md §A.1.9 "MFA `SerialNumber` 9–256 chars; `TokenCode` 6 digits"). Here:
 *
 * - AssumeRole or GetSessionToken with a 5-digit `TokenCode` (a digit dropped), a code of letters or an ARN cut short was
 *   AccessDenied "MultiFactorAuthentication failed, unable to validate MFA code", which tells the caller its code was
 *   wrong, not that it was malformed; SDK v3 checks no constraint, so the server's answer is all the caller gets.
 * - GetSessionToken with a `DurationSeconds` outside 900–129,600 and MFA parameters was AccessDenied for the MFA, its
 *   duration unchecked: the refusal came from the edge before the use case looked at the duration, where review hd, 4
 *   made GetSessionToken's own refusals wait for its constraints.
 *
 * Now each is ValidationError in STS's words ("1 validation error detected: Value at 'tokenCode' failed to satisfy
 * constraint: …"), the value left out (a one-time code, and the device it belongs to, are the caller's secrets).
 * Well-formed MFA parameters are refused AccessDenied as before (review sts, E8). Real server, SDK v3.
 *
 * Before the fix 5 of 6 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as S from '@aws-sdk/client-sts';
import { sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { aliceAndRole } from './support/sts-caller.ts';

const ACCT = '000000000000';
const ROLE = `arn:aws:iam::${ACCT}:role/lo1`;
const MFA = `arn:aws:iam::${ACCT}:mfa/alice-phone`;

let s: TestServer;
let alice: Credentials;

before(async () => {
  s = await startTestServer();
  alice = await aliceAndRole(s, 'lo1', 'account', ['sts:AssumeRole', 'sts:GetSessionToken']);
});
after(async () => s?.stop());

const assume = (mfa: { SerialNumber?: string; TokenCode?: string }) => s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'lo1', ...mfa }));

test('lo1: AssumeRole with a TokenCode of 5 digits, or of letters, is a ValidationError naming tokenCode', async () => {
  const short = await sdkFailure(assume({ SerialNumber: MFA, TokenCode: '12345' }));
  assert.deepEqual([short.code, short.status], ['ValidationError', 400]);
  assert.equal(short.message, "1 validation error detected: Value at 'tokenCode' failed to satisfy constraint: Member must have length greater than or equal to 6");
  const letters = await sdkFailure(assume({ SerialNumber: MFA, TokenCode: 'abcdef' }));
  assert.deepEqual([letters.code, letters.status], ['ValidationError', 400]);
  assert.equal(letters.message, "1 validation error detected: Value at 'tokenCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\d]*");
  assert.doesNotMatch(letters.message, /abcdef/);
});

test('lo1: AssumeRole with a SerialNumber too short, or with a space, is a ValidationError naming serialNumber', async () => {
  const short = await sdkFailure(assume({ SerialNumber: 'GAHT1234', TokenCode: '123456' }));
  assert.deepEqual([short.code, short.status], ['ValidationError', 400]);
  assert.equal(short.message, "1 validation error detected: Value at 'serialNumber' failed to satisfy constraint: Member must have length greater than or equal to 9");
  const spaced = await sdkFailure(assume({ SerialNumber: `${MFA} x`, TokenCode: '123456' }));
  assert.equal(spaced.code, 'ValidationError');
  assert.match(spaced.message, /^1 validation error detected: Value at 'serialNumber' failed to satisfy constraint: Member must satisfy regular expression pattern: \[\\w\+=\/:,\.@-\]\*$/);
});

test('lo1: GetSessionToken with a TokenCode of 7 digits is a ValidationError', async () => {
  const f = await sdkFailure(s.sts(alice).send(new S.GetSessionTokenCommand({ SerialNumber: MFA, TokenCode: '1234567' })));
  assert.deepEqual([f.code, f.status], ['ValidationError', 400]);
  assert.equal(f.message, "1 validation error detected: Value at 'tokenCode' failed to satisfy constraint: Member must have length less than or equal to 6");
});

test('lo1: GetSessionToken with MFA and a DurationSeconds out of range is refused for the duration first', async () => {
  const f = await sdkFailure(s.sts(alice).send(new S.GetSessionTokenCommand({ SerialNumber: MFA, TokenCode: '123456', DurationSeconds: 600 })));
  assert.deepEqual([f.code, f.status], ['ValidationError', 400]);
  assert.equal(f.message, "1 validation error detected: Value '600' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900");
});

test('lo1: AssumeRole with a TokenCode of one digit and no SerialNumber is a ValidationError too', async () => {
  const f = await sdkFailure(assume({ TokenCode: '1' }));
  assert.equal(f.code, 'ValidationError');
  assert.match(f.message, /'tokenCode'/);
});

test('lo1: well-formed MFA parameters are still refused AccessDenied, and nothing is issued', async () => {
  const a = await sdkFailure(assume({ SerialNumber: MFA, TokenCode: '123456' }));
  assert.deepEqual([a.code, a.status], ['AccessDenied', 403]);
  assert.match(a.message, /unable to validate MFA code/);
  const g = await sdkFailure(s.sts(alice).send(new S.GetSessionTokenCommand({ SerialNumber: 'GAHT12345678', TokenCode: '000000', DurationSeconds: 900 })));
  assert.deepEqual([g.code, g.status], ['AccessDenied', 403]);
});
