/**
 * Review rf, 2: escalation-paths followed registering an OIDC provider with one's own keys (review jb, 9) in `aws`
 * accounts only. In an `acs` account a RAM role trusting a RAM OIDC provider (`Federated: acs:ram::A:oidc-provider/<host>`,
 * `sts:AssumeRole` with RAM's keys `oidc:aud`, `oidc:sub` — how ACK's RRSA roles trust a cluster's issuer; reference
 * policy-semantics.md §A.2 trust principals, docs/decisions.md on AssumeRoleWithOIDC) is assumed by Alibaba's
 * AssumeRoleWithOIDC with a token of that provider; a RAM user allowed `ram:CreateOIDCProvider` registers the provider
 * with keys of its own (`JwksJson`), signs a token with the claims the trust asks for, and becomes the role. The report
 * (DESIGN.md: the auditor's "which paths let a principal gain more rights") said it acts as no other principal. Now the
 * step is listed in `acs` accounts (`how: sts:AssumeRoleWithOIDC`, actions `ram:CreateOpenIDConnectProvider`, then
 * `sts:AssumeRole`, RAM's trust action), or, for a RAM role trusting the provider the AWS way, as AWS's
 * AssumeRoleWithWebIdentity (which the server answers for a RAM provider too); each is the one the server lets the user
 * take; still not for a user who may not register the provider, nor for a provider registered that it may not delete.
 * Real server (SQLite), an `acs` account, SDK v3 IAM (with Gatehouse's `JwksJson` added to the signed body), Alibaba's own
 * STS client (unsigned AssumeRoleWithOIDC), jose for the token.
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
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, errorName, iamUserWith, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { trustingDeletedProviders, withInlineJwks } from './support/inline-jwks.ts';

// CommonJS modules: their ES default is `module.exports`, whose `default` is the class.
const { default: Sts, AssumeRoleWithOIDCRequest } = StsModule;
const { $OpenApiUtil } = OpenApi;

const ACS = '350000000872';
const HOST = 'oidc.ack.example.com';
const OTHER = 'login.idp.example.com';
const WEB = 'token.ci.example.com';
const provider = (h: string) => `acs:ram::${ACS}:oidc-provider/${h}`;
const role = (n: string) => `acs:ram::${ACS}:role/${n}`;
const AUD = 'sts.aliyuncs.com';
const v1 = (...Statement: object[]) => ({ Version: '1', Statement });
/** AWS's way, which the server answers for a RAM provider too: AssumeRoleWithWebIdentity with `<host>:aud`. */
const trustingWeb = (h: string) => JSON.stringify(v1({ Effect: 'Allow', Principal: { Federated: [provider(h)] }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${h}:aud`]: 'sts.amazonaws.com' } } }));
const trusting = (h: string) => JSON.stringify(v1({ Effect: 'Allow', Principal: { Federated: [provider(h)] }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'oidc:aud': AUD }, StringLike: { 'oidc:sub': 'system:serviceaccount:ml:*' } } }));

interface Step {
  readonly how: string;
  readonly actions: readonly string[];
}

describe('review rf2: a RAM OIDC provider a RAM user may register with its own keys is a way to the roles trusting it', () => {
  let s: TestServer;
  let admin: Credentials;
  const keys: Record<string, Credentials> = {};
  const key = generateKeyPair('ES256', { extractable: true });
  const theirs = generateKeyPair('ES256', { extractable: true });

  /** An IAM client as `c` that adds the public key of `pair` as `JwksJson` to CreateOpenIDConnectProvider. */
  const iamWithKeys = async (c: Credentials, pair = key): Promise<I.IAMClient> => {
    const iam = s.iam(c);
    await withInlineJwks(iam, (await pair).publicKey, 'mine');
    return iam;
  };
  const pathTo = async (name: string, to: string): Promise<(string | readonly string[])[][] | undefined> => {
    const r = await gatehouseJson(s.url, admin, 'POST', '/v1/escalation-paths', { principal: `acs:ram::${ACS}:user/${name}` });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const become = (r.json['reports'] as { canBecome: { principal: string; path: Step[] }[] }[])[0]?.canBecome ?? [];
    return become.find((b) => b.principal === to)?.path.map((st) => [st.how, st.actions]);
  };

  before(async () => {
    s = await startTestServer();
    admin = await accountAdmin(s, ACS, 'acs');
    const iam = s.iam(admin);
    // OTHER is registered, with keys the users do not hold; HOST and WEB are registered while the roles trusting them are
    // written, as IAM requires (review uo, 1), then deleted.
    await (await iamWithKeys(admin, theirs)).send(new I.CreateOpenIDConnectProviderCommand({ Url: `https://${OTHER}`, ClientIDList: [AUD] }));
    await trustingDeletedProviders(s.iam(admin), [`https://${HOST}`, `https://${WEB}`], async () => {
      for (const [name, h] of [['trainer', HOST], ['signer', OTHER]] as const) {
        await iam.send(new I.CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trusting(h) }));
        await iam.send(new I.AttachRolePolicyCommand({ RoleName: name, PolicyArn: 'acs:ram::system:policy/AdministratorAccess' }));
      }
      await iam.send(new I.CreateRoleCommand({ RoleName: 'deployer', AssumeRolePolicyDocument: trustingWeb(WEB) }));
      await iam.send(new I.AttachRolePolicyCommand({ RoleName: 'deployer', PolicyArn: 'acs:ram::system:policy/AdministratorAccess' }));
    });
    keys['mallory'] = await iamUserWith(iam, 'mallory', v1({ Effect: 'Allow', Action: 'ram:CreateOIDCProvider', Resource: '*' }));
    keys['nobody'] = await iamUserWith(iam, 'nobody', v1({ Effect: 'Allow', Action: 'ram:ListOIDCProviders', Resource: '*' }));
  });
  after(() => s?.stop());

  it('a RAM user who may register the provider a role trusts becomes the role: it registers it with its key and assumes the role', async () => {
    assert.deepEqual(await pathTo('mallory', role('trainer')), [['sts:AssumeRoleWithOIDC', ['ram:CreateOpenIDConnectProvider', 'sts:AssumeRole']]]);
    await (await iamWithKeys(keys['mallory']!)).send(new I.CreateOpenIDConnectProviderCommand({ Url: `https://${HOST}`, ClientIDList: [AUD] }));
    const token = await new SignJWT({ sub: 'system:serviceaccount:ml:x' }).setProtectedHeader({ alg: 'ES256', kid: 'mine' }).setIssuer(`https://${HOST}`).setAudience(AUD).setIssuedAt().setExpirationTime('10m').sign((await key).privateKey);
    const client = new Sts(new $OpenApiUtil.Config({ endpoint: new URL(s.url).host, protocol: 'http', regionId: 'cn-hangzhou', readTimeout: 10_000, connectTimeout: 5_000 }));
    const r = await client.assumeRoleWithOIDC(new AssumeRoleWithOIDCRequest({ OIDCProviderArn: provider(HOST), roleArn: role('trainer'), roleSessionName: 'pod', OIDCToken: token }));
    assert.match(r.body?.credentials?.accessKeyId ?? '', /^STS\./);
  });

  it('a RAM role trusting the provider the AWS way is reached by AssumeRoleWithWebIdentity, which the user then calls', async () => {
    assert.deepEqual(await pathTo('mallory', role('deployer')), [['sts:AssumeRoleWithWebIdentity', ['ram:CreateOpenIDConnectProvider', 'sts:AssumeRoleWithWebIdentity']]]);
    await (await iamWithKeys(keys['mallory']!)).send(new I.CreateOpenIDConnectProviderCommand({ Url: `https://${WEB}`, ClientIDList: ['sts.amazonaws.com'] }));
    const token = await new SignJWT({ sub: 'ci' }).setProtectedHeader({ alg: 'ES256', kid: 'mine' }).setIssuer(`https://${WEB}`).setAudience('sts.amazonaws.com').setIssuedAt().setExpirationTime('10m').sign((await key).privateKey);
    const r = await s.sts().send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: role('deployer'), RoleSessionName: 'ci', WebIdentityToken: token }));
    assert.ok(r.Credentials?.AccessKeyId);
  });

  it('a registered provider it may not delete is no way: not listed, and its deletion refused', async () => {
    assert.equal(await pathTo('mallory', role('signer')), undefined);
    assert.equal(await errorName(s.iam(keys['mallory']).send(new I.DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: provider(OTHER) }))), 'AccessDenied');
  });

  it('no such step for a RAM user who may not register a provider', async () => {
    assert.equal(await pathTo('nobody', role('trainer')), undefined);
  });
});
