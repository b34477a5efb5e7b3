/**
 * Review th, 2: RAM names an OIDC provider by the name given to CreateOIDCProvider (`OIDCProviderName`), so ACK's RRSA
 * pods carry `ALIBABA_CLOUD_OIDC_PROVIDER_ARN=acs:ram::<account>:oidc-provider/ack-rrsa-<cluster id>` and the trust
 * policies ACK writes name that ARN. Gatehouse names a provider by its issuer URL without https:// (docs/decisions.md,
 * "Alibaba's AssumeRoleWithOIDC is AssumeRoleWithWebIdentity with RAM's names", review dg, 1: "not a free name as RAM's
 * CreateOIDCProvider gives"), a decision this review keeps. But a user who copied ACK's setup, with the cluster's issuer
 * registered, was told only "No such OIDC Provider registered: … create one for the token's issuer
 * (CreateOpenIDConnectProvider) and name its ARN": they had created it, and nothing said which ARN Gatehouse gives it
 * or that RAM's names are not Gatehouse's. The refusal (same code, `AuthenticationFail.NoPermission`) now says that
 * providers are named by issuer, not as RAM's CreateOIDCProvider names them, and gives the ARN of the token's issuer,
 * derived from the token alone, so it reads alike whether that issuer is registered or not (the call is unsigned: it
 * must not tell a caller which issuers an account registered). The ARN it gives is the one that works.
 * The real `@alicloud/sts20150401` client against a real server on 127.0.0.1, issuers on loopback.
 * Before the fix 1 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import StsModule from '@alicloud/sts20150401';
import OpenApi from '@alicloud/openapi-core';
import { accountAdmin, startTestServer, type TestServer } from './support/server.ts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';

// CommonJS modules: their ES default is `module.exports`, whose `default` is the class.
const { default: Sts, AssumeRoleWithOIDCRequest } = StsModule;
const { $OpenApiUtil } = OpenApi;

const ACS = '350000000932';
const SUB = 'system:serviceaccount:ml:trainer';
const AUD = 'sts.aliyuncs.com';
const ACK_NAME = `acs:ram::${ACS}:oidc-provider/ack-rrsa-c0123456789abcdef`;
let s: TestServer;
let cluster: OidcIssuer;
let stranger: OidcIssuer;
let iam: I.IAMClient;
let provider = '';

before(async () => {
  s = await startTestServer();
  cluster = await startOidcIssuer();
  stranger = await startOidcIssuer();
  iam = s.iam(await accountAdmin(s, ACS, 'acs'));
  provider = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: cluster.url, ClientIDList: [AUD] }))).OpenIDConnectProviderArn ?? '';
  const trust = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Federated: [provider] }, Condition: { StringEquals: { 'oidc:iss': cluster.url, 'oidc:aud': AUD, 'oidc:sub': SUB } } }] };
  await iam.send(new I.CreateRoleCommand({ RoleName: 'rrsa-reader', AssumeRolePolicyDocument: JSON.stringify(trust) }));
});

after(async () => {
  iam?.destroy();
  await cluster?.close();
  await stranger?.close();
  await s?.stop();
});

const sts = () => new Sts(new $OpenApiUtil.Config({ endpoint: new URL(s.url).host, protocol: 'http', regionId: 'cn-hangzhou', readTimeout: 10_000, connectTimeout: 5_000 }));
const exchange = (providerArn: string, token: string) => sts().assumeRoleWithOIDC(new AssumeRoleWithOIDCRequest({ OIDCProviderArn: providerArn, roleArn: `acs:ram::${ACS}:role/rrsa-reader`, roleSessionName: 'pod', OIDCToken: token }));

async function refusal(providerArn: string, token: string): Promise<{ code: string; message: string }> {
  try {
    await exchange(providerArn, token);
  } catch (e) {
    const err = e as { code?: string; data?: { Message?: string }; message?: string };
    return { code: String(err.code), message: String(err.data?.Message ?? err.message) };
  }
  assert.fail('the exchange was not refused');
}

test("th2: ACK's provider name is refused with the ARN Gatehouse gives the token's issuer, and why", async () => {
  const r = await refusal(ACK_NAME, await cluster.mint({ sub: SUB, aud: AUD }));
  assert.equal(r.code, 'AuthenticationFail.NoPermission', r.message);
  assert.match(r.message, /^No such OIDC Provider registered: `acs:ram::350000000932:oidc-provider\/ack-rrsa-c0123456789abcdef`/);
  assert.ok(r.message.includes(`\`${provider}\``), `names the ARN of the token's issuer (${provider}): ${r.message}`);
  assert.match(r.message, /by its issuer URL/);
  assert.match(r.message, /CreateOIDCProvider/);
});

test("th2: the refusal reads alike for an issuer the account did not register (it tells nothing about what is registered)", async () => {
  const known = await refusal(ACK_NAME, await cluster.mint({ sub: SUB, aud: AUD }));
  const unknown = await refusal(ACK_NAME, await stranger.mint({ sub: SUB, aud: AUD }));
  assert.equal(unknown.code, known.code);
  assert.equal(unknown.message.replaceAll(stranger.hostPath, '<issuer>'), known.message.replaceAll(cluster.hostPath, '<issuer>'));
});

test('th2: the ARN the refusal names is the one that opens the session', async () => {
  const r = await exchange(provider, await cluster.mint({ sub: SUB, aud: AUD }));
  assert.equal(r.body?.assumedRoleUser?.arn, `acs:ram::${ACS}:role/rrsa-reader/pod`);
});
