/**
 * Review lj, 3: Alibaba's OIDC providers refuse a token issued longer ago than the provider's IssuanceLimitTime, 12 hours
 * unless set (1 to 168 h; RAM CreateOIDCProvider, and the `issuance_limit_time` of Terraform's `alicloud_ims_oidc_provider`:
 * the request is refused when the time since the token's `iat` exceeds it). Gatehouse's providers carry no such setting,
 * and AssumeRoleWithOIDC took any token not past its `exp`: one issued days ago with a long `exp` (a token copied off a
 * pod, kept) still bought sessions, where Alibaba would refuse it. Now an `acs` AssumeRoleWithOIDC refuses a token whose
 * `iat` is more than 12 hours back, 401 `AuthenticationFail.OIDCToken.Expired` naming `iat` and the limit; AWS's
 * AssumeRoleWithWebIdentity, which has no such limit, is unchanged.
 *
 * Alibaba's own client (`@alicloud/sts20150401`) against a real server and an issuer on loopback.
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import StsModule from '@alicloud/sts20150401';
import OpenApi from '@alicloud/openapi-core';
import { startTestServer, type TestServer } from './support/server.ts';
import { acsAccount } from './support/alibaba-world.ts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';

// CommonJS modules: their ES default is `module.exports`, whose `default` is the class.
const { default: Sts, AssumeRoleWithOIDCRequest } = StsModule;
const { $OpenApiUtil } = OpenApi;

const ACS = '350000000773';
const AUD = 'sts.aliyuncs.com';
const HOUR = 3600;

describe('review lj3: AssumeRoleWithOIDC refuses a token issued more than 12 hours ago', () => {
  let s: TestServer;
  let issuer: OidcIssuer;
  let providerArn = '';
  before(async () => {
    s = await startTestServer();
    issuer = await startOidcIssuer();
    const iam = s.iam(await acsAccount(s, ACS));
    providerArn = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: [AUD] }))).OpenIDConnectProviderArn ?? '';
    const trust = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Federated: [providerArn] } }] };
    await iam.send(new I.CreateRoleCommand({ RoleName: 'rrsa', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  });
  after(async () => {
    await issuer.close();
    await s.stop();
  });

  const assume = (token: string) => {
    const client = new Sts(new $OpenApiUtil.Config({ endpoint: new URL(s.url).host, protocol: 'http', regionId: 'cn-hangzhou', readTimeout: 10_000, connectTimeout: 5_000 }));
    return client.assumeRoleWithOIDC(new AssumeRoleWithOIDCRequest({ OIDCProviderArn: providerArn, roleArn: `acs:ram::${ACS}:role/rrsa`, roleSessionName: 'pod', OIDCToken: token }));
  };

  it('a token issued 13 hours ago, not yet expired, is refused', async () => {
    const token = await issuer.mint({ aud: AUD }, { iatIn: -13 * HOUR, expIn: 24 * HOUR });
    await assert.rejects(assume(token), (e: { code?: string; statusCode?: number; message?: string }) => {
      assert.equal(e.code, 'AuthenticationFail.OIDCToken.Expired', e.message);
      assert.equal(e.statusCode, 401);
      assert.match(e.message ?? '', /iat/);
      assert.match(e.message ?? '', /12 hours/);
      return true;
    });
  });

  it('a token issued 11 hours ago is still taken', async () => {
    const ok = await assume(await issuer.mint({ aud: AUD }, { iatIn: -11 * HOUR, expIn: 24 * HOUR }));
    assert.match(ok.body?.credentials?.accessKeyId ?? '', /^STS\./);
  });
});
