/**
 * Review oe, 1: a session tag's key holds up to 128 and its value up to 256 characters ("The plain text of your session
 * tag keys exceeds 128 characters", "… values exceeds 256 characters", IAM User Guide, "Passing session tags in AWS
 * STS"; the STS API reference's `Tag` and `TransitiveTagKeys`, lengths 1–128 and 0–256, which the AWS API models count in
 * Unicode characters). Gatehouse counted UTF-16 units: a character above U+FFFF (the CJK letters of Extension B such as
 * `𠀀`, which the tag pattern's `\p{L}` takes) counted two, so AssumeRole refused a session tag key of 65 such letters, a
 * value of 129 and a transitive key of 65 as ValidationError ("Member must have length less than or equal to 128"),
 * GetFederationToken the same tags, and AssumeRoleWithWebIdentity a token whose `https://aws.amazon.com/tags` claim
 * carried them — all within STS's limits, and taken by IAM for the role's own tags since review nv, 1. Now the lengths
 * are counted in characters; 129 (257) are still refused. Real server, SDK v3, an issuer on loopback.
 * Before the fix 3 of 4 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { REGION, sdkFailure, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const ROLE = `arn:aws:iam::${ACCT}:role/tagged`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
/** U+20000, a letter (Lo) of CJK Extension B: one character, two UTF-16 units. */
const WIDE = '\u{20000}';
const key128 = WIDE.repeat(128);
const value256 = WIDE.repeat(256);

let server: TestServer;
let issuer: OidcIssuer;
let alice: Credentials;
let anonymous: S.STSClient;

before(async () => {
  issuer = await startOidcIssuer();
  server = await startTestServer();
  const iam = server.iam();
  const provider = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['app'] }))).OpenIDConnectProviderArn;
  await iam.send(new I.CreateRoleCommand({
    RoleName: 'tagged',
    AssumeRolePolicyDocument: doc(
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: ['sts:AssumeRole', 'sts:TagSession'] },
      { Effect: 'Allow', Principal: { Federated: provider }, Action: ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession'] },
    ),
  }));
  alice = await userWithKey(server, 'alice');
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'federate', PolicyDocument: doc({ Effect: 'Allow', Action: ['sts:GetFederationToken', 'sts:TagSession'], Resource: '*' }) }));
  anonymous = new S.STSClient({ endpoint: server.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
});

after(async () => {
  anonymous?.destroy();
  await issuer?.close();
  await server?.stop();
});

const assume = (input: Partial<S.AssumeRoleCommandInput>) => server.sts().send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'oe1', ...input }));

test('AssumeRole takes a session tag key of 128 and a value of 256 characters above U+FFFF, and such a transitive key', async () => {
  const r = await assume({ Tags: [{ Key: key128, Value: value256 }], TransitiveTagKeys: [key128] });
  assert.ok(r.Credentials?.SessionToken);
});

test('GetFederationToken takes them', async () => {
  const r = await server.sts(alice).send(new S.GetFederationTokenCommand({ Name: 'fed', Tags: [{ Key: key128, Value: value256 }] }));
  assert.equal(r.FederatedUser?.Arn, `arn:aws:sts::${ACCT}:federated-user/fed`);
});

test('AssumeRoleWithWebIdentity takes them from the token', async () => {
  const t = await issuer.mint({ sub: 'alice', aud: 'app', 'https://aws.amazon.com/tags': { principal_tags: { [key128]: [value256] }, transitive_tag_keys: [key128] } }, { iatIn: -60, expIn: 3600 });
  const r = await anonymous.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: ROLE, RoleSessionName: 'oe1', WebIdentityToken: t }));
  assert.ok(r.Credentials?.SessionToken);
});

test('one character more is still refused', async () => {
  const refusals = [
    [await sdkFailure(assume({ Tags: [{ Key: WIDE.repeat(129), Value: 'v' }] })), /at 'tags\.1\.member\.key' failed to satisfy constraint: Member must have length less than or equal to 128/],
    [await sdkFailure(assume({ Tags: [{ Key: 'k', Value: WIDE.repeat(257) }] })), /at 'tags\.1\.member\.value' failed to satisfy constraint: Member must have length less than or equal to 256/],
    [await sdkFailure(assume({ Tags: [{ Key: 'k', Value: 'v' }], TransitiveTagKeys: [WIDE.repeat(129)] })), /at 'transitiveTagKeys\.1\.member' failed to satisfy constraint: Member must have length less than or equal to 128/],
    [await sdkFailure(server.sts(alice).send(new S.GetFederationTokenCommand({ Name: 'fed', Tags: [{ Key: WIDE.repeat(129), Value: 'v' }] }))), /Member must have length less than or equal to 128/],
  ] as const;
  for (const [r, words] of refusals) {
    assert.deepEqual([r.code, r.status], ['ValidationError', 400], r.message);
    assert.match(r.message, words);
  }
});
