/**
 * Review hd, 4: STS checks a request's parameters against their constraints before the operation's own refusals, and
 * answers a broken one with ValidationError in its words; Gatehouse does so for AssumeRole and GetFederationToken, but
 * not for two calls:
 *
 * - GetSessionToken with session credentials and a `DurationSeconds` outside 900–129,600 was answered AccessDenied
 *   "Cannot call GetSessionToken with session credentials": the caller fixed its credentials, and only then learnt that
 *   its duration was refused too. Now ValidationError "1 validation error detected: Value '600' at 'durationSeconds' …".
 * - DecodeAuthorizationMessage with an `EncodedMessage` over its 10,240 characters (the STS API reference's constraint)
 *   was authorized first, then answered InvalidAuthorizationMessageException, which says the message is not one this
 *   service made, when the caller had pasted too much (a message and what follows it in a log). Now ValidationError
 *   "1 validation error detected: Value at 'encodedMessage' failed to satisfy constraint: Member must have length less
 *   than or equal to 10240", whoever asks.
 *
 * Real server, SDK v3.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let s: TestServer;
let alice: Credentials;
let nobody: Credentials;

before(async () => {
  s = await startTestServer();
  const iam = s.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'sts', PolicyDocument: doc({ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:DecodeAuthorizationMessage'], Resource: '*' }) }));
  const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }));
  alice = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  await iam.send(new I.CreateUserCommand({ UserName: 'nobody' }));
  const n = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'nobody' }));
  nobody = { accessKeyId: n.AccessKey?.AccessKeyId ?? '', secretAccessKey: n.AccessKey?.SecretAccessKey ?? '' };
  await iam.send(new I.CreateRoleCommand({ RoleName: 'hd4', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }) }));
});
after(async () => s?.stop());

test('hd4: GetSessionToken with session credentials and a duration out of range is ValidationError first', async () => {
  const r = await s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/hd4`, RoleSessionName: 'hd4' }));
  const session: Credentials = { accessKeyId: r.Credentials?.AccessKeyId ?? '', secretAccessKey: r.Credentials?.SecretAccessKey ?? '', sessionToken: r.Credentials?.SessionToken ?? '' };
  const f = await sdkFailure(s.sts(session).send(new S.GetSessionTokenCommand({ DurationSeconds: 600 })));
  assert.deepEqual(f, { code: 'ValidationError', message: "1 validation error detected: Value '600' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900", status: 400 });
  // In range, the session is refused as before.
  const g = await sdkFailure(s.sts(session).send(new S.GetSessionTokenCommand({ DurationSeconds: 900 })));
  assert.deepEqual(g, { code: 'AccessDenied', message: 'Cannot call GetSessionToken with session credentials', status: 403 });
});

test('hd4: DecodeAuthorizationMessage of more than 10,240 characters is ValidationError, for any caller', async () => {
  const long = 'x'.repeat(10_241);
  const message = "1 validation error detected: Value at 'encodedMessage' failed to satisfy constraint: Member must have length less than or equal to 10240";
  for (const who of [alice, nobody]) {
    const f = await sdkFailure(s.sts(who).send(new S.DecodeAuthorizationMessageCommand({ EncodedMessage: long })));
    assert.deepEqual(f, { code: 'ValidationError', message, status: 400 });
  }
  // Within the bound, a text that is no message of this service is still InvalidAuthorizationMessage.
  const g = await sdkFailure(s.sts(alice).send(new S.DecodeAuthorizationMessageCommand({ EncodedMessage: 'x'.repeat(10_240) })));
  assert.equal(g.code, 'InvalidAuthorizationMessageException');
});
