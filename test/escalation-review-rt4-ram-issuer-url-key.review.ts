/**
 * Review rt, 4: escalation-paths asked whether a principal may register the OIDC provider a role trusts (reviews jb, 9
 * and rf, 2) without RAM's condition key `ram:OidcIssuerUrl`, which the server gives CreateOpenIDConnectProvider (the
 * issuer URL asked for) and every change of a provider (its URL) since review qr, 6. A RAM administrator delegating
 * "register our ACK clusters' issuers only" (`Allow ram:CreateOIDCProvider` where `ram:OidcIssuerUrl` is like
 * `https://oidc.ack.*`) was answered "acts as no other principal", though the user registers `oidc.ack.example.com`
 * with keys of its own and becomes the RAM role trusting it; and a user denied exactly that issuer
 * (`StringEquals ram:OidcIssuerUrl`) was listed as reaching the role by a registration the server refuses.
 *
 * Contract: docs/semantics.md (RAM's condition key `ram:OidcIssuerUrl`, "the issuer URL asked for or the provider's",
 * review qr, 6); docs/decisions.md, "An OIDC provider a principal may register is a way to the roles trusting it"; README
 * (escalation-paths: "Each step is a question asked of the engine that enforces it"); DESIGN.md (the auditor's "which
 * paths let a principal gain more rights"). Each answer is checked against the real calls. Real server (SQLite), an
 * `acs` account, SDK v3 IAM (with Gatehouse's `JwksJson` added to the signed body), Alibaba's own STS client (unsigned
 * AssumeRoleWithOIDC), jose for the token.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import StsModule from '@alicloud/sts20150401';
import OpenApi from '@alicloud/openapi-core';
import { generateKeyPair, SignJWT } from 'jose';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, errorName, iamUserWith, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { trustingDeletedProviders, withInlineJwks } from './support/inline-jwks.ts';

// CommonJS modules: their ES default is `module.exports`, whose `default` is the class.
const { default: Sts, AssumeRoleWithOIDCRequest } = StsModule;
const { $OpenApiUtil } = OpenApi;

const ACS = '350000000874';
const HOST = 'oidc.ack.example.com';
const PROVIDER = `acs:ram::${ACS}:oidc-provider/${HOST}`;
const TRAINER = `acs:ram::${ACS}:role/trainer`;
const AUD = 'sts.aliyuncs.com';
const v1 = (...Statement: object[]) => ({ Version: '1', Statement });
const TRUST = JSON.stringify(v1({ Effect: 'Allow', Principal: { Federated: [PROVIDER] }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'oidc:aud': AUD }, StringLike: { 'oidc:sub': 'system:serviceaccount:ml:*' } } }));

interface Report {
  readonly canBecome: readonly { principal: string; path: readonly { how: string; actions: readonly string[] }[] }[];
}

describe('review rt4: escalation-paths asks the registration of an OIDC provider with RAM’s issuer-URL key', () => {
  let s: TestServer;
  let admin: Credentials;
  const keys: Record<string, Credentials> = {};
  const reports: Record<string, Report | undefined> = {};
  const key = generateKeyPair('ES256', { extractable: true });

  /** An IAM client as `c` that adds its own public key as `JwksJson` to CreateOpenIDConnectProvider. */
  const iamWithKeys = async (c: Credentials): Promise<I.IAMClient> => {
    const iam = s.iam(c);
    await withInlineJwks(iam, (await key).publicKey, 'mine');
    return iam;
  };
  const pathTo = (name: string) => reports[name]?.canBecome.find((b) => b.principal === TRAINER)?.path.map((st) => [st.how, st.actions]);
  const register = async (name: string) => (await iamWithKeys(keys[name]!)).send(new I.CreateOpenIDConnectProviderCommand({ Url: `https://${HOST}`, ClientIDList: [AUD] }));

  before(async () => {
    s = await startTestServer();
    admin = await accountAdmin(s, ACS, 'acs');
    const iam = s.iam(admin);
    // The provider is registered while the role trusting it is written, as IAM requires (review uo, 1), then deleted.
    await trustingDeletedProviders(s.iam(admin), [`https://${HOST}`], () => iam.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: TRUST })));
    await iam.send(new I.AttachRolePolicyCommand({ RoleName: 'trainer', PolicyArn: 'acs:ram::system:policy/AdministratorAccess' }));
    keys['mallory'] = await iamUserWith(iam, 'mallory', v1({ Effect: 'Allow', Action: 'ram:CreateOIDCProvider', Resource: '*', Condition: { StringLike: { 'ram:OidcIssuerUrl': 'https://oidc.ack.*' } } }));
    keys['eve'] = await iamUserWith(iam, 'eve', v1(
      { Effect: 'Allow', Action: 'ram:CreateOIDCProvider', Resource: '*' },
      { Effect: 'Deny', Action: 'ram:CreateOIDCProvider', Resource: '*', Condition: { StringEquals: { 'ram:OidcIssuerUrl': `https://${HOST}` } } },
    ));
    // Both reports before anything is registered (once it is, a registration needs its deletion first).
    for (const name of ['mallory', 'eve']) {
      const r = await gatehouseJson(s.url, admin, 'POST', '/v1/escalation-paths', { principal: `acs:ram::${ACS}:user/${name}` });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      reports[name] = (r.json['reports'] as Report[])[0];
    }
  });
  after(() => s?.stop());

  it('a user denied that issuer URL is not listed; its registration is refused', async () => {
    assert.equal(pathTo('eve'), undefined);
    assert.equal(await errorName(register('eve')), 'AccessDenied');
  });

  it('a user allowed to register issuers like https://oidc.ack.* is listed; it registers the provider and takes the role', async () => {
    assert.deepEqual(pathTo('mallory'), [['sts:AssumeRoleWithOIDC', ['ram:CreateOpenIDConnectProvider', 'sts:AssumeRole']]]);
    await register('mallory');
    const token = await new SignJWT({ sub: 'system:serviceaccount:ml:x' }).setProtectedHeader({ alg: 'ES256', kid: 'mine' }).setIssuer(`https://${HOST}`).setAudience(AUD).setIssuedAt().setExpirationTime('10m').sign((await key).privateKey);
    const client = new Sts(new $OpenApiUtil.Config({ endpoint: new URL(s.url).host, protocol: 'http', regionId: 'cn-hangzhou', readTimeout: 10_000, connectTimeout: 5_000 }));
    const r = await client.assumeRoleWithOIDC(new AssumeRoleWithOIDCRequest({ OIDCProviderArn: PROVIDER, roleArn: TRAINER, roleSessionName: 'pod', OIDCToken: token }));
    assert.match(r.body?.credentials?.accessKeyId ?? '', /^STS\./);
  });
});
