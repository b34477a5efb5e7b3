/**
 * STS review E8: AssumeRole and GetSessionToken with `SerialNumber`/`TokenCode` are refused (src/adapters/http/sts-api.ts).
 * Gatehouse authenticates no MFA device (docs/semantics.md, "Keys about MFA"), and both parameters were ignored: the
 * session was issued without MFA, and the caller, who believed it held an MFA session, was refused later by any policy
 * asking for MFA, for a reason it could not see. AWS refuses a code it cannot validate (AccessDenied,
 * "MultiFactorAuthentication failed, unable to validate MFA code"); so does Gatehouse now, saying to call without them.
 * Real SDK, real server.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const ROLE = `arn:aws:iam::${ACCT}:role/worker`;
const MFA = `arn:aws:iam::${ACCT}:mfa/alice`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let s: TestServer;
let alice: Credentials;

before(async () => {
  s = await startTestServer();
  const iam = s.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'assume', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: ROLE }) }));
  const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }));
  alice = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  await iam.send(new I.CreateRoleCommand({ RoleName: 'worker', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }) }));
});
after(async () => s?.stop());

test('GetSessionToken with an MFA code: AccessDenied, nothing issued; without one, issued', async () => {
  const f = await sdkFailure(s.sts(alice).send(new S.GetSessionTokenCommand({ SerialNumber: MFA, TokenCode: '123456' })));
  assert.equal(f.code, 'AccessDenied');
  assert.match(f.message, /^MultiFactorAuthentication failed, unable to validate MFA code: this server authenticates no MFA device, so `SerialNumber` and `TokenCode` cannot be checked; call again without SerialNumber and TokenCode/);
  const r = await s.sts(alice).send(new S.GetSessionTokenCommand({ DurationSeconds: 900 }));
  assert.ok(r.Credentials?.SessionToken);
});

test('AssumeRole with an MFA serial number or code: AccessDenied; without, issued', async () => {
  for (const mfa of [{ SerialNumber: MFA, TokenCode: '123456' }, { SerialNumber: MFA }, { TokenCode: '123456' }]) {
    const f = await sdkFailure(s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'mfa', ...mfa })));
    assert.equal(f.code, 'AccessDenied', JSON.stringify(mfa));
    assert.match(f.message, /unable to validate MFA code/);
  }
  const r = await s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'plain' }));
  assert.ok(r.Credentials?.SessionToken);
});
