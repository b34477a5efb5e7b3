/**
 * Review gs, finding 2: AssumeRoleWithWebIdentity was decided without `aws:RequestedRegion`, which AWS puts in every
 * request's context ("always included"; the region of the STS endpoint called, us-east-1 for the global one). The SDKs
 * send the call unsigned, so no credential scope names a region, and Gatehouse left the key out: a trust policy allowing
 * the provider only when `StringEquals aws:RequestedRegion us-east-1` refused every token (AccessDenied), and a guard
 * `Deny … StringNotEquals aws:RequestedRegion [eu-west-1]` refused every token, even from eu-west-1's endpoint. Now the
 * key is the region of the endpoint as the request's Host names it (`sts.<region>.amazonaws.com`, as when a cluster's
 * resolver points STS's names at Gatehouse), else us-east-1, the global endpoint's. The real SDK v3 against a real
 * server on 127.0.0.1, with a fake OIDC issuer on loopback.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import type { LookupFunction } from 'node:net';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { REGION, sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
let s: TestServer;
let issuer: OidcIssuer;

before(async () => {
  s = await startTestServer();
  issuer = await startOidcIssuer();
  const provider = (await s.iam().send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn ?? '';
  const trust = (condition: object) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: condition }] });
  await s.iam().send(new I.CreateRoleCommand({ RoleName: 'global-only', AssumeRolePolicyDocument: trust({ StringEquals: { 'aws:RequestedRegion': 'us-east-1' } }) }));
  await s.iam().send(new I.CreateRoleCommand({ RoleName: 'eu-only', AssumeRolePolicyDocument: trust({ StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } }) }));
});
after(async () => {
  await issuer?.close();
  await s?.stop();
});

/** An STS client sending no signature, to `endpoint`, every name of which resolves to this machine. */
function unsignedSts(endpoint: string): S.STSClient {
  const lookup: LookupFunction = (_host, options, cb) => {
    if ((options as { all?: boolean }).all) (cb as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
    else cb(null, '127.0.0.1', 4);
  };
  return new S.STSClient({ endpoint, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')), requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ lookup }) }) });
}

async function assume(sts: S.STSClient, role: string): Promise<string> {
  const f = await sdkFailure(sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/${role}`, RoleSessionName: 'ci', WebIdentityToken: await issuer.mint() })));
  return f.code;
}

test('gs2: an unsigned AssumeRoleWithWebIdentity to this server is decided with aws:RequestedRegion us-east-1', async () => {
  const sts = unsignedSts(s.url);
  try {
    assert.equal(await assume(sts, 'global-only'), 'no error');
    assert.equal(await assume(sts, 'eu-only'), 'AccessDenied');
  } finally {
    sts.destroy();
  }
});

test("gs2: one sent to a region's STS endpoint name is decided with that region", async () => {
  const port = new URL(s.url).port;
  const sts = unsignedSts(`http://sts.eu-west-1.amazonaws.com:${port}`);
  try {
    assert.equal(await assume(sts, 'eu-only'), 'no error');
    assert.equal(await assume(sts, 'global-only'), 'AccessDenied');
  } finally {
    sts.destroy();
  }
});
