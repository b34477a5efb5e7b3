/**
 * Review nl, 3: AssumeRoleWithOIDC (Alibaba STS, unsigned) checked the token's length before its other parameters, and
 * a token refused there (empty, or over 20,000 characters: `AuthenticationFail.OIDCToken.Invalid`) is a refusal the
 * audit log keeps (src/app/oidc.ts `federate`), with the RoleSessionName as it was sent. RoleSessionName is 2 to 64
 * characters (Alibaba STS API reference, AssumeRoleWithOIDC; checkAssumeRoleParams), but it had not been checked yet:
 * anyone, without credentials, wrote a name of up to 1 MiB into a record kept for good, 100 a second across addresses
 * (the flood gate's global rate), where every other refused call has its values checked before they are recorded
 * (STYLE.md habit 10: untrusted input, size limits first; docs/decisions.md, review gm: "never decided, echoed or
 * recorded past it"). Now the parameters' constraints come first, as AssumeRoleWithWebIdentity's always did: such a
 * call is `InvalidParameter.RoleSessionName`, and not recorded; an empty token with a well-formed name is still
 * `AuthenticationFail.OIDCToken.Invalid`, recorded.
 *
 * Alibaba's own client (`@alicloud/sts20150401`, which sends the parameters in the query string) and the form body
 * `@alicloud/credentials`' OIDC provider sends (credential-protocols §4.3), against a real server on 127.0.0.1.
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import StsModule from '@alicloud/sts20150401';
import OpenApi from '@alicloud/openapi-core';
import { auditRecords, startTestServer, type TestServer } from './support/server.ts';
import { acsAccount } from './support/alibaba-world.ts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';

// CommonJS modules: their ES default is `module.exports`, whose `default` is the class.
const { default: Sts, AssumeRoleWithOIDCRequest } = StsModule;
const { $OpenApiUtil } = OpenApi;

const ACS = '350000000073';
const ROLE = `acs:ram::${ACS}:role/rrsa`;

describe('review nl3: AssumeRoleWithOIDC checks RoleSessionName before it refuses (and records) the token', () => {
  let s: TestServer;
  let issuer: OidcIssuer;
  let providerArn = '';
  before(async () => {
    [s, issuer] = await Promise.all([startTestServer(), startOidcIssuer()]);
    const iam = s.iam(await acsAccount(s, ACS));
    providerArn = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.aliyuncs.com'] }))).OpenIDConnectProviderArn ?? '';
    const trust = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Federated: [providerArn] } }] };
    await iam.send(new I.CreateRoleCommand({ RoleName: 'rrsa', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  });
  after(async () => {
    await issuer?.close();
    await s?.stop();
  });

  const client = () => new Sts(new $OpenApiUtil.Config({ endpoint: new URL(s.url).host, protocol: 'http', regionId: 'cn-hangzhou', readTimeout: 10_000, connectTimeout: 5_000 }));

  it('an empty token with a RoleSessionName of 12,000 characters (the client, in the query) is InvalidParameter.RoleSessionName', async () => {
    await assert.rejects(client().assumeRoleWithOIDC(new AssumeRoleWithOIDCRequest({ OIDCProviderArn: providerArn, roleArn: ROLE, roleSessionName: 'n'.repeat(12_000), OIDCToken: '' })), (e: { code?: string; statusCode?: number; message?: string }) => {
      assert.deepEqual([e.code, e.statusCode], ['InvalidParameter.RoleSessionName', 400], e.message);
      return true;
    });
  });

  it('a token over 20,000 characters with a RoleSessionName of 300,000 (the form body) is refused, and no record holds the name', async () => {
    const body = new URLSearchParams({ OIDCProviderArn: providerArn, OIDCToken: 't'.repeat(20_001), RoleArn: ROLE, RoleSessionName: 'm'.repeat(300_000), DurationSeconds: '3600' });
    const r = await fetch(`${s.url}/?Action=AssumeRoleWithOIDC&Version=2015-04-01&Format=JSON&Timestamp=${encodeURIComponent(new Date().toISOString().slice(0, 19))}Z`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    const answer = (await r.json()) as { Code?: string };
    assert.deepEqual([r.status, answer.Code], [400, 'InvalidParameter.RoleSessionName']);
    const records = await auditRecords(s, { action: 'sts:AssumeRoleWithOIDC' });
    const largest = Math.max(0, ...records.map((x) => JSON.stringify(x).length));
    assert.ok(largest < 10_000, `no record carries the oversized RoleSessionName (largest ${largest} characters)`);
  });

  it('an empty token with a well-formed RoleSessionName is still AuthenticationFail.OIDCToken.Invalid, and recorded', async () => {
    await assert.rejects(client().assumeRoleWithOIDC(new AssumeRoleWithOIDCRequest({ OIDCProviderArn: providerArn, roleArn: ROLE, roleSessionName: 'pod-nl3', OIDCToken: '' })), (e: { code?: string; statusCode?: number }) => {
      assert.deepEqual([e.code, e.statusCode], ['AuthenticationFail.OIDCToken.Invalid', 401]);
      return true;
    });
    const records = await auditRecords(s, { action: 'sts:AssumeRoleWithOIDC' });
    assert.ok(records.some((x) => x.decision === 'Deny' && x.detail['roleSessionName'] === 'pod-nl3'), JSON.stringify(records.map((x) => x.detail)));
  });
});
