/**
 * Review ih, 2 (metrics): `gatehouse_store_unavailable_total` counts the requests answered 503 because the store could
 * not be reached, and alerts are written on it. Alibaba Cloud STS (`Version=2015-04-01`) answers such a request in its
 * own shape, `503 ServiceUnavailable` in JSON, so it catches the outage itself rather than leaving it to the edge, which
 * counts it: an AssumeRoleWithOIDC refused while PostgreSQL was down (its OIDC provider is read from the store on every
 * call: every RRSA pod's refresh) was answered 503 and counted nothing. An outage only Alibaba's SDKs met left the
 * counter at 0, where the same refusal to AWS's AssumeRoleWithWebIdentity counts. Now each is counted.
 *
 * Alibaba's own client (`@alicloud/sts20150401`, which calls AssumeRoleWithOIDC unsigned) against a real server on the
 * test PostgreSQL through a TCP proxy that the test takes down, and an issuer on loopback; /metrics read before and
 * after.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import StsModule from '@alicloud/sts20150401';
import OpenApi from '@alicloud/openapi-core';
import { startTestServer, type TestServer } from './support/server.ts';
import { acsAccount } from './support/alibaba-world.ts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { postgresProxy } from './support/pg-proxy.ts';
import { pgAdmin, pgSkip } from './support/postgres.ts';

// CommonJS modules: their ES default is `module.exports`, whose `default` is the class.
const { default: Sts, AssumeRoleWithOIDCRequest } = StsModule;
const { $OpenApiUtil } = OpenApi;

const skip = await pgSkip();
const ACS = '350000000062';
const AUD = 'sts.aliyuncs.com';

async function unavailableCount(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('gatehouse_store_unavailable_total '));
  return Number(line?.slice(line.lastIndexOf(' ') + 1));
}

describe('review ih2: an Alibaba STS request refused for a database outage is counted in gatehouse_store_unavailable_total', { skip, timeout: 90_000 }, () => {
  const schema = `gh_review_ih2_${process.pid}`;
  let s: TestServer;
  let issuer: OidcIssuer;
  let proxy: { url: string; close(): void };
  let providerArn = '';
  before(async () => {
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    proxy = await postgresProxy((client, upstream) => {
      client.pipe(upstream);
      upstream.pipe(client);
    });
    // The open audit policy: under the closed one the audit gate refuses first (gatehouse_audit_gate_refusals_total).
    s = await startTestServer({ postgres: { url: proxy.url, schema }, audit: { failure: 'open' } });
    issuer = await startOidcIssuer();
    const iam = s.iam(await acsAccount(s, ACS));
    providerArn = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: [AUD] }))).OpenIDConnectProviderArn ?? '';
    const trust = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Federated: [providerArn] } }] };
    await iam.send(new I.CreateRoleCommand({ RoleName: 'rrsa', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  });
  after(async () => {
    await s?.stop();
    await issuer?.close();
    proxy?.close();
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
  });

  it('AssumeRoleWithOIDC while PostgreSQL is unreachable: 503 ServiceUnavailable, counted once', async () => {
    const client = new Sts(new $OpenApiUtil.Config({ endpoint: new URL(s.url).host, protocol: 'http', regionId: 'cn-hangzhou', readTimeout: 30_000, connectTimeout: 5_000 }));
    const assume = async () => client.assumeRoleWithOIDC(new AssumeRoleWithOIDCRequest({ OIDCProviderArn: providerArn, roleArn: `acs:ram::${ACS}:role/rrsa`, roleSessionName: 'pod', OIDCToken: await issuer.mint({ aud: AUD }) }));
    // Issued while the database answers.
    assert.match((await assume()).body?.credentials?.accessKeyId ?? '', /^STS\./);
    assert.equal(await unavailableCount(s.url), 0);
    proxy.close();
    await assert.rejects(assume(), (e: { code?: string; statusCode?: number; message?: string }) => {
      assert.equal(e.statusCode, 503, e.message);
      assert.equal(e.code, 'ServiceUnavailable');
      return true;
    });
    assert.equal(await unavailableCount(s.url), 1, 'the outage 503 is counted');
  });
});
