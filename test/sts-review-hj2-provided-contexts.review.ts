/**
 * Review hj, 2: AssumeRole's `ProvidedContexts` (trusted context assertions, which AWS STS signs and encrypts for IAM
 * Identity Center's trusted identity propagation: `ProviderArn` `arn:aws:iam::aws:contextProvider/IdentityCenter`) was
 * not read at all. A broker passing a user's identity context got 200 and a session without it: nothing the session did
 * carried the user, and the caller had no way to know. Any value was taken, also outside the API's constraints (more
 * than 5 contexts, an assertion of 3 characters).
 *
 * This server can neither open nor validate such an assertion, so, as AssumeRole with MFA parameters it cannot check
 * (docs/decisions.md, "No MFA"), the call is refused rather than issued without what was asked: InvalidParameterValue,
 * saying why and what to do. Contexts outside their constraints are ValidationError first, in STS's words.
 *
 * Real server, SDK v3 (the Debian aws CLI and boto3 predate the parameter).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const ROLE = `arn:aws:iam::${ACCT}:role/hj2`;
const IDC = 'arn:aws:iam::aws:contextProvider/IdentityCenter';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let s: TestServer;
let alice: Credentials;

before(async () => {
  s = await startTestServer();
  const iam = s.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'sts', PolicyDocument: doc({ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:SetContext'], Resource: '*' }) }));
  const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }));
  alice = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  await iam.send(new I.CreateRoleCommand({ RoleName: 'hj2', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: ['sts:AssumeRole', 'sts:SetContext'] }) }));
});
after(async () => s?.stop());

test('hj2: AssumeRole with a trusted context assertion is refused, not issued without the context', async () => {
  const f = await sdkFailure(s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'broker', ProvidedContexts: [{ ProviderArn: IDC, ContextAssertion: 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0.assertion' }] })));
  assert.equal(f.code, 'InvalidParameterValue');
  assert.equal(f.status, 400);
  assert.match(f.message, /^ProvidedContexts cannot be honoured: this server validates no trusted context assertion .*`arn:aws:iam::aws:contextProvider\/IdentityCenter`; call again without ProvidedContexts/);
  // Without it, the same call is issued.
  const r = await s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'broker' }));
  assert.ok(r.Credentials?.AccessKeyId?.startsWith('ASIA'));
});

test('hj2: ProvidedContexts outside their constraints are ValidationError, in STS words', async () => {
  const six = Array.from({ length: 6 }, () => ({ ProviderArn: IDC, ContextAssertion: 'abcd' }));
  const many = await sdkFailure(s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'broker', ProvidedContexts: six })));
  assert.deepEqual(many, { code: 'ValidationError', message: "1 validation error detected: Value at 'providedContexts' failed to satisfy constraint: Member must have length less than or equal to 5", status: 400 });
  const short = await sdkFailure(s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'broker', ProvidedContexts: [{ ProviderArn: IDC, ContextAssertion: 'abc' }] })));
  assert.deepEqual(short, { code: 'ValidationError', message: "1 validation error detected: Value at 'providedContexts.1.member.contextAssertion' failed to satisfy constraint: Member must have length greater than or equal to 4", status: 400 });
});
