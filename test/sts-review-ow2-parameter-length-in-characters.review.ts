/**
 * Review ow, 2: STS counts the length of every string parameter in Unicode characters (the STS API reference's lengths,
 * which the AWS API models count in characters; review oe, 1 made the session tags so), and Gatehouse counted the
 * others in UTF-16 units: a character above U+FFFF (`𠀀`, U+20000) counted two. So a RoleSessionName of 33 such
 * characters was refused as "Member must have length less than or equal to 64" besides its pattern, a SourceIdentity, an
 * ExternalId of 700 and a GetFederationToken Name of 17 alike, and one such character as a RoleSessionName was not
 * "greater than or equal to 2"; the parameters held to a length alone (RoleArn, PolicyArns, WebIdentityToken,
 * EncodedMessage) were refused as too long at half their limit in characters, where STS goes on to what is wrong with
 * them. Now each is counted in characters: the pattern's refusal alone, or the parameter's own refusal past its length.
 * Contract: STS API reference, AssumeRole (`RoleSessionName` 2–64, `ExternalId` 2–1,224, `SourceIdentity` 2–64,
 * `PolicyArns` `PolicyDescriptorType.arn` 20–2,048), AssumeRoleWithWebIdentity (`WebIdentityToken` 4–20,000),
 * GetFederationToken (`Name` 2–32), DecodeAuthorizationMessage (`EncodedMessage` 1–10,240).
 * Real server, SDK v3.
 * Before the fix 5 of 5 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { REGION, sdkFailure, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const ROLE = `arn:aws:iam::${ACCT}:role/ow2`;
/** U+20000, a letter (Lo) of CJK Extension B: one character, two UTF-16 units. */
const WIDE = '\u{20000}';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let server: TestServer;
let alice: Credentials;
let sts: S.STSClient;

before(async () => {
  server = await startTestServer();
  const iam = server.iam();
  alice = await userWithKey(server, 'alice');
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'all', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:*', Resource: '*' }) }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'ow2', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:user/alice` }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'] }) }));
  sts = server.sts(alice);
});

after(async () => {
  await server?.stop();
});

const assume = (input: Partial<S.AssumeRoleCommandInput>) => sdkFailure(sts.send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'ow2-session', ...input })));

test('AssumeRole: 33 wide characters break the pattern of RoleSessionName and SourceIdentity only, 700 that of ExternalId only', async () => {
  for (const [field, input] of [['roleSessionName', { RoleSessionName: WIDE.repeat(33) }], ['sourceIdentity', { SourceIdentity: WIDE.repeat(33) }], ['externalId', { ExternalId: WIDE.repeat(700) }]] as const) {
    const e = await assume(input);
    assert.equal(e.code, 'ValidationError', field);
    assert.match(e.message, new RegExp(`^1 validation error detected: Value .*at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern`, 'u'), field);
    assert.doesNotMatch(e.message, /length/, field);
  }
});

test('AssumeRole: one wide character as RoleSessionName is shorter than 2 as well', async () => {
  const e = await assume({ RoleSessionName: WIDE });
  assert.equal(e.code, 'ValidationError');
  assert.match(e.message, /^2 validation errors detected: .*regular expression pattern.*Member must have length greater than or equal to 2$/u);
});

test('GetFederationToken: a Name of 17 wide characters breaks its pattern, not its 32', async () => {
  const e = await sdkFailure(sts.send(new S.GetFederationTokenCommand({ Name: WIDE.repeat(17) })));
  assert.equal(e.code, 'ValidationError');
  assert.match(e.message, /^1 validation error detected: .*at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern/u);
});

test('RoleArn and PolicyArns of 1,131 characters (2,231 units) are not too long: the role is not a role ARN, the policy does not exist', async () => {
  const roleArn = await assume({ RoleArn: `arn:aws:iam::${ACCT}:role/${WIDE.repeat(1100)}` });
  assert.equal(roleArn.code, 'ValidationError');
  assert.doesNotMatch(roleArn.message, /length/);
  assert.match(roleArn.message, /is not a role ARN/);
  const policyArn = await assume({ PolicyArns: [{ arn: `arn:aws:iam::${ACCT}:policy/${WIDE.repeat(1000)}` }] });
  assert.doesNotMatch(policyArn.message, /length/);
  assert.match(policyArn.message, /does not exist/);
});

test('a WebIdentityToken of 10,001 characters and an EncodedMessage of 6,000 are not too long: they are not a token, not a message', async () => {
  const anonymous = new S.STSClient({ endpoint: server.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
  try {
    const token = await sdkFailure(anonymous.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: ROLE, RoleSessionName: 'ow2-web', WebIdentityToken: WIDE.repeat(10_001) })));
    assert.equal(token.code, 'InvalidIdentityToken', token.message);
  } finally {
    anonymous.destroy();
  }
  const message = await sdkFailure(sts.send(new S.DecodeAuthorizationMessageCommand({ EncodedMessage: WIDE.repeat(6000) })));
  assert.equal(message.code, 'InvalidAuthorizationMessageException', message.message);
});
