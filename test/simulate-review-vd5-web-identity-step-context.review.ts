/**
 * Review vd, 5: escalation-paths (and so who-can's `through`, which is its search) asks every step with the question's
 * context and at its time (`--context`, `aws:CurrentTime`: review ej, 2), but decided the web-identity step (an OIDC
 * provider a principal may register with keys of its own, review jb, 9) with the token's claims and the role's tags
 * alone, at the server's clock. So a role whose trust stops admitting the provider's tokens after 2030 was listed as
 * reached when asked at `aws:CurrentTime` 2031, and a role admitting them only from the office's addresses was listed
 * as reached by no one when asked with `aws:SourceIp` in the office. Now that step is decided with the question's
 * context (the claims, provider and role tags the exchange's own) at the question's time. Real server (SQLite), SDK v3
 * IAM, SigV4-signed /v1/ requests.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, userWithPolicy, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { trustingDeletedProviders } from './support/inline-jwks.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const role = (n: string) => `arn:aws:iam::${A}:role/${n}`;
const HOST = 'token.ci.example.com';
const PROVIDER = `arn:aws:iam::${A}:oidc-provider/${HOST}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const fromProvider = { Principal: { Federated: PROVIDER }, Action: 'sts:AssumeRoleWithWebIdentity' };
const AUD = { [`${HOST}:aud`]: 'sts.amazonaws.com' };
/** Admits the provider's tokens until 2030. */
const SUNSET = doc({ Effect: 'Allow', ...fromProvider, Condition: { StringEquals: AUD } }, { Effect: 'Deny', ...fromProvider, Condition: { DateGreaterThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } } });
/** Admits them from the office's addresses only. */
const OFFICE = doc({ Effect: 'Allow', ...fromProvider, Condition: { StringEquals: AUD, IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } });

interface Report {
  readonly canBecome: readonly { principal: string; path: readonly { how: string }[] }[];
}

describe('review vd5: the web-identity step is asked with the question’s context and time', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await trustingDeletedProviders(iam, [`https://${HOST}`], async () => {
      for (const [name, trust] of [['sunset', SUNSET], ['office', OFFICE]] as const) {
        await iam.send(new I.CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }));
      }
    });
    await userWithPolicy(s, 'mallory', doc({ Effect: 'Allow', Action: 'iam:CreateOpenIDConnectProvider', Resource: '*' }));
  });
  after(() => s?.stop());

  const reached = async (context: Record<string, string>) => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: user('mallory'), context });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const report = (r.json['reports'] as Report[])[0];
    return (report?.canBecome ?? []).filter((b) => b.path.some((st) => st.how === 'sts:AssumeRoleWithWebIdentity')).map((b) => b.principal).sort();
  };

  it('without a context: the sunset role now, not the office role (no address given)', async () => {
    assert.deepEqual(await reached({}), [role('sunset')]);
  });

  it('at aws:CurrentTime 2031 the sunset role is no longer reached', async () => {
    assert.deepEqual(await reached({ 'aws:CurrentTime': '2031-01-01T00:00:00Z' }), []);
  });

  it('from an office address the office role is reached', async () => {
    assert.deepEqual(await reached({ 'aws:SourceIp': '10.1.2.3' }), [role('office'), role('sunset')]);
  });
});
