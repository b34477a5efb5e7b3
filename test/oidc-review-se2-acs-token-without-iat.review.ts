/**
 * Review se, 2: an `acs` account's OIDC provider refuses a token issued longer ago than its IssuanceLimitTime (12 hours
 * unless set; RAM CreateOIDCProvider; reviews lj, 3 and rh, 5), through AssumeRoleWithOIDC and AssumeRoleWithWebIdentity.
 * The limit is read from the token's `iat`, and a token without one, or with one no date holds (`iat` -9e12), skipped
 * it: signed by the issuer with a long `exp`, such a token, copied and kept, bought sessions for as long as it lived,
 * where the limit is meant to refuse it after 12 hours. OpenID Connect Core §2 makes `iat` REQUIRED in an ID token,
 * and a limit on the time since issue cannot pass a token that does not say when it was issued.
 *
 * Now a provider of an `acs` account refuses, through either call, a token without a numeric `iat`
 * (`InvalidIdentityToken`; Alibaba's `AuthenticationFail.OIDCToken.Invalid`, naming `iat` and the limit) and one whose
 * `iat` is earlier than any date (as issued past the limit, `ExpiredTokenException` / `AuthenticationFail.OIDCToken.Expired`);
 * an `aws` account's provider, which AWS STS sets no such limit for, still takes a token without `iat`.
 * Real server (SQLite), SDK v3 IAM and STS, Alibaba's own `@alicloud/sts20150401`, the provider's keys given inline
 * (test/support/inline-jwks.ts), jose for the tokens.
 *
 * Before the fix 2 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import StsModule from '@alicloud/sts20150401';
import OpenApi from '@alicloud/openapi-core';
import { generateKeyPair, SignJWT } from 'jose';
import { accountAdmin, sdkFailure, startTestServer, type TestServer } from './support/server.ts';
import { withInlineJwks } from './support/inline-jwks.ts';

// CommonJS modules: their ES default is `module.exports`, whose `default` is the class.
const { default: Sts, AssumeRoleWithOIDCRequest } = StsModule;
const { $OpenApiUtil } = OpenApi;

const ACS = '350000000912';
const AWS = '350000000913';
const ISSUER = 'https://kept.idp.example.test';
const AUD = 'sts.aliyuncs.com';
const DAY = 86_400;

describe('review se, 2: an acs provider’s issuance limit holds for a token without a usable `iat`', () => {
  let s: TestServer;
  let anon: S.STSClient;
  const providers: Record<string, string> = {};
  const key = generateKeyPair('ES256', { extractable: true });

  /** A token of the issuer valid 30 days, `iat` as given (`undefined`: none). */
  const token = async (iat: number | undefined): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({ sub: 'system:serviceaccount:ml:train' }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(ISSUER).setAudience(AUD).setExpirationTime(now + 30 * DAY);
    return (iat === undefined ? jwt : jwt.setIssuedAt(iat)).sign((await key).privateKey);
  };

  before(async () => {
    s = await startTestServer();
    for (const [account, partition] of [[ACS, 'acs'], [AWS, 'aws']] as const) {
      const iam = await withInlineJwks(s.iam(await accountAdmin(s, account, partition)), (await key).publicKey, 'k1');
      const provider = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: ISSUER, ClientIDList: [AUD] }))).OpenIDConnectProviderArn ?? '';
      providers[account] = provider;
      const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:AssumeRoleWithWebIdentity'], Principal: { Federated: provider } }] };
      await iam.send(new I.CreateRoleCommand({ RoleName: 'pod', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    }
    anon = new S.STSClient({ endpoint: s.url, region: 'us-east-1', credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 1 });
  });
  after(async () => {
    anon?.destroy();
    await s?.stop();
  });

  const withOidc = (t: string) => {
    const client = new Sts(new $OpenApiUtil.Config({ endpoint: new URL(s.url).host, protocol: 'http', regionId: 'cn-hangzhou', readTimeout: 10_000, connectTimeout: 5_000 }));
    return client.assumeRoleWithOIDC(new AssumeRoleWithOIDCRequest({ OIDCProviderArn: providers[ACS], roleArn: `acs:ram::${ACS}:role/pod`, roleSessionName: 'kept', OIDCToken: t }));
  };
  const withWebIdentity = async (account: string, t: string) =>
    anon.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: account === ACS ? `acs:ram::${ACS}:role/pod` : `arn:aws:iam::${AWS}:role/pod`, RoleSessionName: 'kept', WebIdentityToken: t }));

  it('AssumeRoleWithOIDC refuses a token without `iat`, and one whose `iat` no date holds', async () => {
    await assert.rejects(withOidc(await token(undefined)), (e: { code?: string; message?: string }) => {
      assert.equal(e.code, 'AuthenticationFail.OIDCToken.Invalid', e.message);
      assert.match(e.message ?? '', /`iat`/);
      return true;
    });
    await assert.rejects(withOidc(await token(-9e12)), (e: { code?: string; message?: string }) => {
      assert.equal(e.code, 'AuthenticationFail.OIDCToken.Expired', e.message);
      return true;
    });
  });

  it('AssumeRoleWithWebIdentity into the acs account refuses them too', async () => {
    const none = await sdkFailure(withWebIdentity(ACS, await token(undefined)));
    assert.equal(none.code, 'InvalidIdentityToken', none.message);
    assert.match(none.message, /issuance limit/);
    assert.equal((await sdkFailure(withWebIdentity(ACS, await token(-9e12)))).code, 'ExpiredTokenException');
  });

  it('a fresh token is taken by both calls', async () => {
    const now = Math.floor(Date.now() / 1000);
    assert.match((await withOidc(await token(now))).body?.credentials?.accessKeyId ?? '', /^STS\./);
    assert.equal((await withWebIdentity(ACS, await token(now))).AssumedRoleUser?.Arn, `acs:ram::${ACS}:role/pod/kept`);
  });

  it('an aws account’s provider, which has no issuance limit, still takes a token without `iat`', async () => {
    assert.equal((await withWebIdentity(AWS, await token(undefined))).AssumedRoleUser?.Arn, `arn:aws:sts::${AWS}:assumed-role/pod/kept`);
  });
});
