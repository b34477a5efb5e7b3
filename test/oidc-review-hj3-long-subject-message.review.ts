/**
 * Review hj, 3: a session whose claims would not fit in a session token (over 10,240 bytes) is refused
 * PackedPolicyTooLarge, and the message always said "use fewer or shorter tags (…) or a smaller policy". An
 * AssumeRoleWithWebIdentity that passed no tag and no policy, whose token's `sub` (the issuer's choice, which the session
 * carries whole) ran to 12,000 characters, was told to shorten tags it never passed: nothing in the answer named the
 * subject. Now the message names what takes the room, largest first, with its size, and says what to do about the
 * largest: here the token's subject. A session too large for its tags is still told about its tags.
 *
 * Real server, the real `@aws-sdk/client-sts` (unsigned and signed), an issuer on loopback.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { REGION, sdkFailure, startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let s: TestServer;
let issuer: OidcIssuer;
let alice: Credentials;

before(async () => {
  issuer = await startOidcIssuer();
  s = await startTestServer();
  const iam = s.iam();
  const provider = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn;
  await iam.send(new I.CreateRoleCommand({ RoleName: 'hj3-web', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity' }) }));
  alice = await userWithPolicy(s, 'alice', doc({ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: '*' }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'hj3', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: ['sts:AssumeRole', 'sts:TagSession'] }) }));
});

after(async () => {
  await issuer?.close();
  await s?.stop();
});

test('hj3: a web identity session too large for its token subject is told so, not to shorten tags it did not pass', async () => {
  const sts = new S.STSClient({ endpoint: s.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
  const f = await sdkFailure(sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/hj3-web`, RoleSessionName: 'long-sub', WebIdentityToken: await issuer.mint({ sub: 's'.repeat(12_000) }) })));
  assert.equal(f.code, 'PackedPolicyTooLarge');
  assert.match(f.message, /over the 10240 it can \(the web identity token's subject \(`sub`\) 12000 bytes\): present a token whose `sub` is shorter/);
  assert.doesNotMatch(f.message, /shorter tags|smaller policy/);
  // A subject that fits is issued.
  const ok = await sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/hj3-web`, RoleSessionName: 'short-sub', WebIdentityToken: await issuer.mint({ sub: 's'.repeat(300) }) }));
  assert.equal(ok.SubjectFromWebIdentityToken, 's'.repeat(300));
});

test('hj3: an AssumeRole too large for its session tags is still told about its tags', async () => {
  const tags = Array.from({ length: 30 }, (_, i) => ({ Key: `${i}-`.padEnd(128, '語'), Value: '' }));
  const f = await sdkFailure(s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/hj3`, RoleSessionName: 'cjk', Tags: tags, TransitiveTagKeys: tags.map((t) => t.Key) })));
  assert.equal(f.code, 'PackedPolicyTooLarge');
  assert.match(f.message, /over the 10240 it can \(the session tags \d+ bytes\): pass fewer or shorter tags/);
});
