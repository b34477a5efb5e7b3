/**
 * Review it, 5: Alibaba's AssumeRoleWithOIDC answers the token's `iat` and `exp` as dates (`OIDCTokenInfo.IssuanceTime`,
 * `ExpirationTime`). A token whose `exp` (or `iat`) lies beyond what a date can hold (past year 275760: an issuer
 * writing milliseconds, or a "never expires" sentinel such as 10^13) verifies (it is a number, and not past), so the
 * session was issued and recorded, and only then did formatting the answer throw (RangeError: Invalid time value): the
 * server answered 500 with AWS's XML, which `@alicloud/sts20150401` could not even read ("Unexpected token '<'"), and
 * the pod got no credentials for a session the audit log says it was given. Now a time that no date can hold is left
 * out of `OIDCTokenInfo` (as a token without `iat` leaves `IssuanceTime` out), and the session is answered.
 * Before the fix 1 of 2 tests failed. A real server, Alibaba's own client (unsigned AssumeRoleWithOIDC), an issuer on
 * loopback. Review se, 2: a token whose `iat` lies before any date is now refused as issued past the provider's issuance
 * limit (`AuthenticationFail.OIDCToken.Expired`), where it was answered without `IssuanceTime`; still never a 500.
 */
import { after, before, test } from 'node:test';
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

const ACS = '350000000062';
const AUD = 'sts.aliyuncs.com';

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
  await issuer?.close();
  await s?.stop();
});

const assume = async (token: string) => {
  const client = new Sts(new $OpenApiUtil.Config({ endpoint: new URL(s.url).host, protocol: 'http', regionId: 'cn-hangzhou', readTimeout: 10_000, connectTimeout: 5_000 }));
  return (await client.assumeRoleWithOIDC(new AssumeRoleWithOIDCRequest({ OIDCProviderArn: providerArn, roleArn: `acs:ram::${ACS}:role/rrsa`, roleSessionName: 'pod', OIDCToken: token }))).body;
};

test('it5: a token whose exp no date can hold is answered, without that time; one whose iat none can is refused', async () => {
  const far = await assume(await issuer.mint({ aud: AUD }, { expIn: 1e13 }));
  assert.match(far?.credentials?.accessKeyId ?? '', /^STS\./);
  assert.equal(far?.OIDCTokenInfo?.expirationTime, undefined);
  assert.match(far?.OIDCTokenInfo?.issuanceTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  // Issued before any date: past the provider's 12-hour issuance limit, refused in Alibaba's words (review se, 2).
  await assert.rejects(assume(await issuer.mint({ aud: AUD }, { iatIn: -1e13 })), (e: { code?: string; message?: string }) => {
    assert.equal(e.code, 'AuthenticationFail.OIDCToken.Expired', e.message);
    return true;
  });
  assert.deepEqual(s.logs.filter((l) => l.startsWith('internal error')), []);
});

test('it5: an ordinary token still answers both times', async () => {
  const r = await assume(await issuer.mint({ aud: AUD }));
  assert.match(r?.OIDCTokenInfo?.issuanceTime ?? '', /Z$/);
  assert.match(r?.OIDCTokenInfo?.expirationTime ?? '', /Z$/);
});
