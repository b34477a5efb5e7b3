/**
 * Review hd, 1: an inline session policy (`Policy` of AssumeRole, GetFederationToken, AssumeRoleWithWebIdentity) holding
 * a character outside `[\u0009\u000A\u000D\u0020-\u00FF]+` breaks a parameter constraint (reference §A.1.9, "Inline
 * Policy 1–2,048 chars, U+0009/000A/000D/0020–00FF"; botocore `sessionPolicyDocumentType`), which STS answers as it
 * answers every other one: 400 ValidationError "1 validation error detected: Value at 'policy' failed to satisfy
 * constraint: Member must satisfy regular expression pattern: …", before it reads the document.
 *
 * Gatehouse let the policy parser find the character, and answered MalformedPolicyDocument: an SDK v3 caller got a
 * `MalformedPolicyDocumentException` where AWS throws a `ValidationError`, and a script telling "my request is malformed"
 * from "my policy is wrong" (as botocore's `ClientError.response['Error']['Code']`) took the wrong branch. Now the
 * constraint is checked with the others, in STS's words (the value left out, as for its length), counted with a length
 * clause broken too. Real server, SDK v3, the unsigned AssumeRoleWithWebIdentity included (checked before its token).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const ROLE = `arn:aws:iam::${ACCT}:role/hd1`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const PATTERN = "Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+";
const ONE = `1 validation error detected: Value at 'policy' failed to satisfy constraint: ${PATTERN}`;

let s: TestServer;
let alice: Credentials;

before(async () => {
  s = await startTestServer();
  const iam = s.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'sts', PolicyDocument: doc({ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:GetFederationToken'], Resource: '*' }) }));
  const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }));
  alice = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  await iam.send(new I.CreateRoleCommand({ RoleName: 'hd1', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }) }));
});
after(async () => s?.stop());

const cjk = doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/日本/*' });
const emoji = doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/😀' });

test('hd1: AssumeRole with a session policy holding a character outside the pattern is ValidationError', async () => {
  for (const Policy of [cjk, emoji]) {
    const f = await sdkFailure(s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'hd1', Policy })));
    assert.deepEqual(f, { code: 'ValidationError', message: ONE, status: 400 });
  }
  // Latin-1 is inside the pattern: the policy is read, and issued.
  const ok = await s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'hd1', Policy: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/café/*' }) }));
  assert.ok(ok.Credentials?.SessionToken);
});

test('hd1: both clauses counted when the policy is also too long', async () => {
  const long = doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::data/日${'x'.repeat(2100)}` });
  const f = await sdkFailure(s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'hd1', Policy: long })));
  assert.equal(f.code, 'ValidationError');
  assert.equal(f.message, `2 validation errors detected: Value at 'policy' failed to satisfy constraint: ${PATTERN}; Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048`);
});

test('hd1: GetFederationToken and AssumeRoleWithWebIdentity answer it the same way', async () => {
  const fed = await sdkFailure(s.sts(alice).send(new S.GetFederationTokenCommand({ Name: 'hd1', Policy: cjk })));
  assert.deepEqual(fed, { code: 'ValidationError', message: ONE, status: 400 });
  // Unsigned; the parameters are checked before the token is.
  const web = await sdkFailure(s.sts(alice).send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: ROLE, RoleSessionName: 'hd1', WebIdentityToken: 'not-a-jwt-yet', Policy: cjk })));
  assert.deepEqual(web, { code: 'ValidationError', message: ONE, status: 400 });
});
