/**
 * Review rh, 5: the issuance limit of an `acs` account's OIDC provider held through one call only. Review lj, 3 made
 * AssumeRoleWithOIDC refuse a token issued (`iat`) more than 12 hours ago, the IssuanceLimitTime RAM's OIDC providers
 * take unless set (RAM CreateOIDCProvider), so that a token copied off a pod and kept, with a long `exp`, buys no session;
 * it left AssumeRoleWithWebIdentity unchanged, AWS STS having no such limit. But in an `acs` account every provider is
 * RAM's, and the same role may be assumed through AWS's call (its trust policy allowing the provider
 * `sts:AssumeRoleWithWebIdentity` beside `sts:AssumeRole`): the kept token that AssumeRoleWithOIDC refused bought the
 * session there. The limit is the provider's, not the call's: now it holds for a provider of an `acs` account through
 * both calls (AWS's answer is its ExpiredTokenException, naming `iat` and the limit). An `aws` account's provider is
 * unchanged: AWS STS sets no such limit.
 * Before the fix 1 of 2 tests failed. A real server, an issuer on loopback, AWS SDK v3.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { accountAdmin, sdkFailure, startTestServer, type TestServer } from './support/server.ts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';

const ACS = '350000000223';
const AWS = '350000000224';
let s: TestServer;
let issuer: OidcIssuer;
let anon: S.STSClient;

before(async () => {
  s = await startTestServer();
  issuer = await startOidcIssuer();
  for (const [account, partition] of [[ACS, 'acs'], [AWS, 'aws']] as const) {
    const iam = s.iam(await accountAdmin(s, account, partition));
    const provider = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn ?? '';
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:AssumeRoleWithWebIdentity'], Principal: { Federated: provider } }] };
    await iam.send(new I.CreateRoleCommand({ RoleName: 'ci', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  }
  anon = new S.STSClient({ endpoint: s.url, region: 'us-east-1', credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 1 });
});

after(async () => {
  anon?.destroy();
  await issuer?.close();
  await s?.stop();
});

/** A token issued 13 hours ago that is still within its `exp`: one kept past the provider's issuance limit. */
const kept = () => issuer.mint({}, { iatIn: -13 * 3600, expIn: 3600 });

test('rh5: AssumeRoleWithWebIdentity into an acs account refuses a token issued past the provider’s issuance limit', async () => {
  const refused = await sdkFailure(anon.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `acs:ram::${ACS}:role/ci`, RoleSessionName: 'kept', WebIdentityToken: await kept() })));
  assert.equal(refused.code, 'ExpiredTokenException', refused.message);
  assert.match(refused.message, /issuance limit of 12 hours/);
  const fresh = await anon.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `acs:ram::${ACS}:role/ci`, RoleSessionName: 'fresh', WebIdentityToken: await issuer.mint({}) }));
  assert.equal(fresh.AssumedRoleUser?.Arn, `acs:ram::${ACS}:role/ci/fresh`);
});

test('rh5: an aws account’s provider sets no such limit (as AWS STS), as before', async () => {
  const r = await anon.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${AWS}:role/ci`, RoleSessionName: 'kept', WebIdentityToken: await kept() }));
  assert.equal(r.AssumedRoleUser?.Arn, `arn:aws:sts::${AWS}:assumed-role/ci/kept`);
});
