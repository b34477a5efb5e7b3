/**
 * Review ne, 4: who-can listed an OIDC provider whose trust statement allows only `sts:AssumeRole` as able to become the role, though AWS's exchange asks `sts:AssumeRoleWithWebIdentity` and refuses every token.
 * Before the fix 2 of 3 tests failed.
 *
 * An AWS web identity token becomes a role by AssumeRoleWithWebIdentity alone, which the trust policy must allow for
 * the provider (src/app/oidc.ts asks `sts:AssumeRoleWithWebIdentity`, and `sts:TagSession` / `sts:SetSourceIdentity`
 * beside it); `sts:AssumeRole` is a signed caller's, never a token's (RAM's AssumeRoleWithOIDC, by contrast, asks
 * `sts:AssumeRole`). A trust statement `{"Federated": <provider>}, "Action": "sts:AssumeRole"` (a common slip) lets no
 * token in, but who-can asked the provider's web identity the question `sts:AssumeRole` too, and listed the provider in
 * the role's `trustedBeyond` by `sts:AssumeRole` (and in `grantedByResourcePolicy` of that question on the role). An
 * AWS provider's tokens are now asked only the questions AssumeRoleWithWebIdentity asks. Real server (SQLite), a
 * loopback OIDC issuer, SDK v3 IAM and STS (unsigned), admin API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { errorName, REGION, startTestServer, type TestServer } from './support/server.ts';

const A = '000000000000';
const OBJECT = 'arn:aws:s3:::ne4-data/x';
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

describe('review ne4: who-can asks an AWS provider\'s tokens only what AssumeRoleWithWebIdentity asks', () => {
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
      slip: { Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRole' },
      right: { Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity' },
    };
    for (const [name, trust] of Object.entries(trusts)) {
      await iam.send(new I.CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: policy(trust) }));
      await iam.send(new I.PutRolePolicyCommand({ RoleName: name, PolicyName: 'read', PolicyDocument: policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::ne4-data/*' }) }));
    }
    anonymous = new S.STSClient({ endpoint: s.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
  });
  after(async () => {
    anonymous?.destroy();
    await issuer?.close();
    await s?.stop();
  });

  const exchange = async (name: string) =>
    anonymous.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: role(name), RoleSessionName: 'ne4', WebIdentityToken: await issuer.mint() }));
  const whoCan = async (action: string, resource: string) => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', { action, resource });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json;
  };

  it('a trust allowing the provider only sts:AssumeRole lists no one beyond the account, and the token is refused', async () => {
    const allowed = (await whoCan('s3:GetObject', OBJECT))['allowed'] as Allowed[];
    const slip = allowed.find((x) => x.kind === 'role' && x.name === 'slip');
    assert.ok(slip, 'the role itself may read the object');
    assert.deepEqual(slip.trustedBeyond?.map((t) => [t.principal, t.action]), undefined);
    assert.equal(await errorName(exchange('slip')), 'AccessDenied');
  });

  it('a question about sts:AssumeRole on that role lists no grant to the provider', async () => {
    const a = await whoCan('sts:AssumeRole', role('slip'));
    assert.deepEqual((a['grantedByResourcePolicy'] as Grant[]).map((g) => g.principal), []);
  });

  it('a trust allowing sts:AssumeRoleWithWebIdentity still lists the provider, and its token becomes the role', async () => {
    const allowed = (await whoCan('s3:GetObject', OBJECT))['allowed'] as Allowed[];
    const right = allowed.find((x) => x.kind === 'role' && x.name === 'right');
    assert.deepEqual(right?.trustedBeyond?.map((t) => [t.principal, t.action]), [[provider, 'sts:AssumeRoleWithWebIdentity']]);
    assert.match((await exchange('right')).AssumedRoleUser?.Arn ?? '', /:assumed-role\/right\/ne4$/);
  });
});
