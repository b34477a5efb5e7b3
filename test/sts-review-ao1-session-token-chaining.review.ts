/**
 * Review ao, 1: AssumeRole called with credentials from GetSessionToken is role chaining, as AWS counts it: the new
 * session lasts at most 1 hour, and a `DurationSeconds` over 3,600 fails with ValidationError "The requested
 * DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining." (the AWS knowledge-center
 * article on the role-chaining limit: "MFA users with the AWS CLI use temporary credentials [from GetSessionToken] to
 * assume another role … limited to one hour"; aws-vault and aws-runas work around exactly that error).
 *
 * Gatehouse capped only role sessions (`caller.session.role`), so a GetSessionToken session assumed a role for the
 * role's whole MaxSessionDuration (12 h here): a script written against Gatehouse broke on AWS, and temporary
 * credentials bought a session longer than chaining allows. Real server, SDK v3.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const LONG = `arn:aws:iam::${ACCT}:role/long`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let s: TestServer;
let alice: Credentials;

before(async () => {
  s = await startTestServer();
  const iam = s.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'assume', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }) }));
  const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }));
  alice = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  await iam.send(new I.CreateRoleCommand({ RoleName: 'long', MaxSessionDuration: 43200, AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }) }));
});
after(async () => s?.stop());

const assume = (creds: Credentials, DurationSeconds?: number) =>
  s.sts(creds).send(new S.AssumeRoleCommand({ RoleArn: LONG, RoleSessionName: 'ao1', ...(DurationSeconds !== undefined ? { DurationSeconds } : {}) }));

test('ao1: the user’s own keys assume the role for 2 h; its GetSessionToken credentials only for 1 h at most', async () => {
  const direct = await assume(alice, 7200);
  assert.ok(direct.Credentials?.SessionToken, 'long-term keys are not chaining: up to the role maximum');

  const t = await s.sts(alice).send(new S.GetSessionTokenCommand({ DurationSeconds: 7200 }));
  const session: Credentials = { accessKeyId: t.Credentials?.AccessKeyId ?? '', secretAccessKey: t.Credentials?.SecretAccessKey ?? '', sessionToken: t.Credentials?.SessionToken ?? '' };

  const f = await sdkFailure(assume(session, 7200));
  assert.equal(f.code, 'ValidationError');
  assert.equal(f.status, 400);
  assert.equal(f.message, 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');

  const before = Date.now();
  const hour = await assume(session);
  const exp = hour.Credentials?.Expiration?.getTime() ?? 0;
  assert.ok(exp <= before + 3600_000 + 2000 && exp > before + 3500_000, `default: 1 h (${hour.Credentials?.Expiration?.toISOString()})`);
  const exact = await assume(session, 3600);
  assert.ok(exact.Credentials?.SessionToken);
});
