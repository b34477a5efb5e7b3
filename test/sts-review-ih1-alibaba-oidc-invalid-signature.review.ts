/**
 * Review ih, 1: Alibaba Cloud STS answers an `AssumeRoleWithOIDC` whose token's signature does not verify with its own
 * code, `AuthenticationFail.OIDCToken.InvalidSignature` ("OIDC token validate failed: invalid signature", STS API
 * reference, error codes of 2015-04-01), apart from `AuthenticationFail.OIDCToken.Invalid`, which it gives a token it
 * cannot read (not three parts, not base64, an unknown algorithm such as HS256). Gatehouse answered both `…Invalid`:
 * a pod whose projected token was signed with a key its issuer no longer publishes (a rotation on one side only) read
 * as a malformed token, the one cause it rules out.
 *
 * Alibaba's own client (`@alicloud/sts20150401`, which calls AssumeRoleWithOIDC unsigned) against a real server on
 * 127.0.0.1 and an issuer on loopback: a token signed by a key the issuer does not publish, under the published
 * key's `kid` and without a `kid`, is refused with `InvalidSignature`; an HS256 token is still `Invalid`, and a good
 * token is still taken.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import StsModule from '@alicloud/sts20150401';
import OpenApi from '@alicloud/openapi-core';
import { generateKeyPair, SignJWT } from 'jose';
import { startTestServer, type TestServer } from './support/server.ts';
import { acsAccount } from './support/alibaba-world.ts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';

// CommonJS modules: their ES default is `module.exports`, whose `default` is the class.
const { default: Sts, AssumeRoleWithOIDCRequest } = StsModule;
const { $OpenApiUtil } = OpenApi;

const ACS = '350000000061';
const AUD = 'sts.aliyuncs.com';

describe('review ih1: AssumeRoleWithOIDC refuses a token whose signature does not verify with InvalidSignature', () => {
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
  const refusedWith = (code: string) => (e: { code?: string; statusCode?: number; message?: string }) => {
    assert.equal(e.code, code, e.message);
    assert.equal(e.statusCode, 401);
    return true;
  };

  it('a token signed by a key the issuer does not publish is AuthenticationFail.OIDCToken.InvalidSignature', async () => {
    const stranger = await generateKeyPair('ES256');
    await assert.rejects(assume(await issuer.mint({ aud: AUD }, { signWith: stranger.privateKey, kid: 'k1' })), refusedWith('AuthenticationFail.OIDCToken.InvalidSignature'));
    await assert.rejects(assume(await issuer.mint({ aud: AUD }, { signWith: stranger.privateKey, kid: null })), refusedWith('AuthenticationFail.OIDCToken.InvalidSignature'));
  });

  it('a token it cannot read is still Invalid, and a good token is still taken', async () => {
    const hs256 = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer(issuer.url).setSubject('pod').setAudience(AUD).setExpirationTime('10m').sign(new Uint8Array(32));
    await assert.rejects(assume(hs256), refusedWith('AuthenticationFail.OIDCToken.Invalid'));
    const ok = await assume(await issuer.mint({ aud: AUD }));
    assert.match(ok.body?.credentials?.accessKeyId ?? '', /^STS\./);
  });
});
