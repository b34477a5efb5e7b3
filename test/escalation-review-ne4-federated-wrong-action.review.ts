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
import { whoCan as whoCanOn, type WhoCanAllowed as Allowed, type WhoCanGrant as Grant } from './support/escalation.ts';
import { errorName } from './support/server.ts';
import { startWebIdentityWorld, type WebIdentityWorld } from './support/web-identity.ts';

const A = '000000000000';
const OBJECT = 'arn:aws:s3:::ne4-data/x';
const role = (n: string) => `arn:aws:iam::${A}:role/${n}`;

describe('review ne4: who-can asks an AWS provider\'s tokens only what AssumeRoleWithWebIdentity asks', () => {
  let w: WebIdentityWorld;
  let provider = '';
  before(async () => {
    const read = { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::ne4-data/*' };
    w = await startWebIdentityWorld({
      roles: (arn) => ({
        slip: { trust: { Effect: 'Allow', Principal: { Federated: arn }, Action: 'sts:AssumeRole' }, read },
        right: { trust: { Effect: 'Allow', Principal: { Federated: arn }, Action: 'sts:AssumeRoleWithWebIdentity' }, read },
      }),
    });
    provider = w.provider;
  });
  after(async () => {
    await w?.close();
  });

  const exchange = async (name: string) => w.exchange(name, 'ne4', await w.issuer.mint());
  const whoCan = (action: string, resource: string) => whoCanOn(w.server, action, resource);

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
