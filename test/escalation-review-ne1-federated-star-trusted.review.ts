/**
 * Review ne, 1: who-can listed a trust policy's `{"Federated": "*"}` Allow as every web identity token's way in, though the exchange lets none in by it.
 * Before the fix 2 of 3 tests failed.
 *
 * `*` under `Federated` names every identity provider (review mv, 1), but an Allow with it grants a token what
 * `"Principal": "*"` grants one: nothing, AssumeRoleWithWebIdentity needing a statement that names the token's
 * provider. who-can asked the trust policy about a web identity whose provider is `*` itself, which the statement names
 * outright, and so listed `*` in the role's `trustedBeyond` (and in `grantedByResourcePolicy` of a question about
 * `sts:AssumeRoleWithWebIdentity` on the role) while every token is refused. Now `*` is asked about as a token of a
 * provider no statement names, as the exchange decides one. A role whose trust names the provider still lists it.
 * Real server (SQLite), a loopback OIDC issuer, SDK v3 IAM and STS (unsigned), admin API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { errorName, REGION, startTestServer, type TestServer } from './support/server.ts';

const A = '000000000000';
const OBJECT = 'arn:aws:s3:::ne1-data/x';
const role = (n: string) => `arn:aws:iam::${A}:role/${n}`;
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

interface Grant {
  readonly principal: string;
  readonly action?: string;
}
interface Allowed {
  readonly kind: string;
  readonly name: string;
  readonly trustedBeyond?: readonly Grant[];
}

describe('review ne1: who-can does not list {"Federated": "*"} as a way in for web identity tokens', () => {
  let s: TestServer;
  let issuer: OidcIssuer;
  let provider = '';
  let anonymous: S.STSClient;
  before(async () => {
    issuer = await startOidcIssuer();
    s = await startTestServer();
    const iam = s.iam();
    provider = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn ?? '';
    const trusts: Record<string, object> = {
      starfed: { Effect: 'Allow', Principal: { Federated: '*' }, Action: 'sts:AssumeRoleWithWebIdentity' },
      named: { Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity' },
    };
    for (const [name, trust] of Object.entries(trusts)) {
      await iam.send(new I.CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: policy(trust) }));
      await iam.send(new I.PutRolePolicyCommand({ RoleName: name, PolicyName: 'read', PolicyDocument: policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::ne1-data/*' }) }));
    }
    anonymous = new S.STSClient({ endpoint: s.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
  });
  after(async () => {
    anonymous?.destroy();
    await issuer?.close();
    await s?.stop();
  });

  const exchange = async (name: string) =>
    anonymous.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: role(name), RoleSessionName: 'ne1', WebIdentityToken: await issuer.mint() }));
  const whoCan = async (action: string, resource: string) => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', { action, resource });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json;
  };

  it('the role trusting {"Federated": "*"} alone lists no one beyond the account, and the token is refused', async () => {
    const allowed = (await whoCan('s3:GetObject', OBJECT))['allowed'] as Allowed[];
    const star = allowed.find((x) => x.kind === 'role' && x.name === 'starfed');
    assert.ok(star, 'the role itself may read the object');
    assert.deepEqual(star.trustedBeyond?.map((t) => [t.principal, t.action]), undefined);
    assert.equal(await errorName(exchange('starfed')), 'AccessDenied');
  });

  it('a question about sts:AssumeRoleWithWebIdentity on that role lists no resource policy grant', async () => {
    const a = await whoCan('sts:AssumeRoleWithWebIdentity', role('starfed'));
    assert.deepEqual((a['grantedByResourcePolicy'] as Grant[]).map((g) => g.principal), []);
  });

  it('a role whose trust names the provider still lists it, and its token becomes the role', async () => {
    const allowed = (await whoCan('s3:GetObject', OBJECT))['allowed'] as Allowed[];
    const named = allowed.find((x) => x.kind === 'role' && x.name === 'named');
    assert.deepEqual(named?.trustedBeyond?.map((t) => [t.principal, t.action]), [[provider, 'sts:AssumeRoleWithWebIdentity']]);
    assert.match((await exchange('named')).AssumedRoleUser?.Arn ?? '', /:assumed-role\/named\/ne1$/);
    const a = await whoCan('sts:AssumeRoleWithWebIdentity', role('named'));
    assert.deepEqual((a['grantedByResourcePolicy'] as Grant[]).map((g) => g.principal), [provider]);
  });
});
