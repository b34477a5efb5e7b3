/**
 * Review ih, 3: `@alicloud/credentials`' OIDC provider sends the token file's content as it reads it, so a pod whose
 * projected token file is empty (not written yet, or a volume that is not the token's) sends `OIDCToken=` with nothing
 * after it. Alibaba Cloud STS answers that 401 `AuthenticationFail.OIDCToken.Invalid`, "The OIDCToken can not empty"
 * (STS API reference, error codes of 2015-04-01): the token is at fault. Gatehouse answered 400 `MissingOIDCToken`,
 * "OIDCToken is mandatory for this action", the answer to a request without the parameter: it pointed at the client
 * (a parameter it did not send) rather than at the token file. A request that leaves the parameter out is still
 * `MissingOIDCToken`.
 *
 * Alibaba's own client (`@alicloud/sts20150401`, which calls AssumeRoleWithOIDC unsigned and sends an empty string as
 * given) against a real server on 127.0.0.1, and an issuer on loopback.
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

const ACS = '350000000063';
const AUD = 'sts.aliyuncs.com';

describe('review ih3: AssumeRoleWithOIDC with an empty OIDCToken is AuthenticationFail.OIDCToken.Invalid', () => {
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

  const assume = (token: string | undefined) => {
    const client = new Sts(new $OpenApiUtil.Config({ endpoint: new URL(s.url).host, protocol: 'http', regionId: 'cn-hangzhou', readTimeout: 10_000, connectTimeout: 5_000 }));
    return client.assumeRoleWithOIDC(new AssumeRoleWithOIDCRequest({ OIDCProviderArn: providerArn, roleArn: `acs:ram::${ACS}:role/rrsa`, roleSessionName: 'pod', ...(token !== undefined ? { OIDCToken: token } : {}) }));
  };

  it('an empty token is refused 401 AuthenticationFail.OIDCToken.Invalid, saying it is empty', async () => {
    await assert.rejects(assume(''), (e: { code?: string; statusCode?: number; message?: string }) => {
      assert.equal(e.code, 'AuthenticationFail.OIDCToken.Invalid', e.message);
      assert.equal(e.statusCode, 401);
      assert.match(e.message ?? '', /OIDCToken is empty/);
      return true;
    });
  });

  it('a request without the parameter is still MissingOIDCToken, and a good token is still taken', async () => {
    await assert.rejects(assume(undefined), (e: { code?: string; statusCode?: number }) => {
      assert.equal(e.code, 'MissingOIDCToken');
      assert.equal(e.statusCode, 400);
      return true;
    });
    const ok = await assume(await issuer.mint({ aud: AUD }));
    assert.match(ok.body?.credentials?.accessKeyId ?? '', /^STS\./);
  });
});
