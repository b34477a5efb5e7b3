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
import { whoCan as whoCanOn, type WhoCanAllowed as Allowed, type WhoCanGrant as Grant } from './support/escalation.ts';
import { errorName } from './support/server.ts';
import { startWebIdentityWorld, type WebIdentityWorld } from './support/web-identity.ts';

const A = '000000000000';
const OBJECT = 'arn:aws:s3:::ne1-data/x';
const role = (n: string) => `arn:aws:iam::${A}:role/${n}`;

describe('review ne1: who-can does not list {"Federated": "*"} as a way in for web identity tokens', () => {
  let w: WebIdentityWorld;
  let provider = '';
  before(async () => {
    const read = { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::ne1-data/*' };
    w = await startWebIdentityWorld({
      roles: (arn) => ({
        starfed: { trust: { Effect: 'Allow', Principal: { Federated: '*' }, Action: 'sts:AssumeRoleWithWebIdentity' }, read },
        named: { trust: { Effect: 'Allow', Principal: { Federated: arn }, Action: 'sts:AssumeRoleWithWebIdentity' }, read },
      }),
    });
    provider = w.provider;
  });
  after(async () => {
    await w?.close();
  });

  const exchange = async (name: string) => w.exchange(name, 'ne1', await w.issuer.mint());
  const whoCan = (action: string, resource: string) => whoCanOn(w.server, action, resource);

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
