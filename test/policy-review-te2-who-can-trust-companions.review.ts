/**
 * Review te, 2: who-can's `grantedByResourcePolicy` for an AssumeRole question on a role (`sts:AssumeRole`,
 * `sts:AssumeRoleWithWebIdentity`) whose context passes session tags (`aws:RequestTag/K`, `aws:TagKeys`,
 * `sts:TransitiveTagKeys`) or names a source identity (`sts:SourceIdentity`) listed every OIDC provider and other
 * account the trust policy lets assume the role, asked on the assume alone. STS asks the trust policy for
 * `sts:TagSession` (and `sts:SetSourceIdentity`) as well, for a web identity token's tags (`https://aws.amazon.com/tags`,
 * src/app/oidc.ts) as for AssumeRole's `Tags` (src/app/sts.ts), and refuses the call without it ("is not authorized to
 * perform: sts:TagSession"; IAM User Guide, "Passing session tags in AWS STS": "the role trust policy must allow
 * sts:TagSession"). Review sz, 4 made the authorize API and simulate ask it for the account's own principals; the
 * answer's grants beyond the account (a provider, a partner account) were still listed as able to do what STS refuses
 * them. (The authorize API and simulate take no web identity as a principal: a token's exchange is asked of who-can.)
 * Contract: issue 8, simulation "from the same code path as enforcement"; docs/decisions.md, review sz, 4.
 *
 * Now such a grant is listed only where the trust policy allows the companions too. Real server (SQLite), a loopback
 * OIDC issuer, a second account, SDK v3 IAM and STS for what STS does.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S from '@aws-sdk/client-sts';
import type { OidcIssuer } from './support/oidc-issuer.ts';
import { startTrustWorld, type TrustWorld } from './support/escalation.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { errorName, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const B = '777788889999';
const role = (n: string) => `arn:aws:iam::${A}:role/${n}`;
const TAGS = { 'aws:RequestTag/team': ['ml'], 'aws:TagKeys': ['team'] };

describe('review te2: who-can lists a grant beyond the account only where STS would let its tags and source identity in', () => {
  let s: TestServer;
  let issuer: OidcIssuer;
  let provider = '';
  let partner: Credentials;
  let anonymous: S.STSClient;

  let world: TrustWorld | undefined;

  before(async () => {
    world = await startTrustWorld(B, (provider) => ({
      'ci-plain': { Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity' },
      'ci-tags': { Effect: 'Allow', Principal: { Federated: provider }, Action: ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession'] },
      'partner-plain': { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: 'sts:AssumeRole' },
      'partner-all': { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'] },
    }));
    ({ server: s, issuer, provider, partner, anonymous } = world);
  });

  after(() => world?.stop());

  const granted = async (action: string, name: string, context: Record<string, string[]>): Promise<string[]> => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', { action, resource: role(name), context });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return (r.json['grantedByResourcePolicy'] as { principal: string }[]).map((g) => g.principal);
  };
  const exchange = async (name: string) =>
    anonymous.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: role(name), RoleSessionName: 'ci-run', WebIdentityToken: await issuer.mint({ sub: 'repo:ml/train', 'https://aws.amazon.com/tags': { principal_tags: { team: ['ml'] } } } as never, { iatIn: -60, expIn: 3600 }) }));

  it('a token passing tags: the provider is listed only for the role whose trust policy allows sts:TagSession, as STS lets it in', async () => {
    assert.deepEqual(await granted('sts:AssumeRoleWithWebIdentity', 'ci-plain', TAGS), []);
    assert.deepEqual(await granted('sts:AssumeRoleWithWebIdentity', 'ci-tags', TAGS), [provider]);
    assert.equal(await errorName(exchange('ci-plain')), 'AccessDenied');
    assert.match((await exchange('ci-tags')).AssumedRoleUser?.Arn ?? '', /:assumed-role\/ci-tags\/ci-run$/);
  });

  it('another account passing tags or a source identity: listed only where the trust policy allows sts:TagSession / sts:SetSourceIdentity, as STS lets it in', async () => {
    assert.deepEqual(await granted('sts:AssumeRole', 'partner-plain', TAGS), []);
    assert.deepEqual(await granted('sts:AssumeRole', 'partner-plain', { 'sts:SourceIdentity': ['alice'] }), []);
    assert.deepEqual(await granted('sts:AssumeRole', 'partner-all', { ...TAGS, 'sts:SourceIdentity': ['alice'] }), [`arn:aws:iam::${B}:root`]);
    const sts = s.sts(partner);
    assert.equal(await errorName(sts.send(new S.AssumeRoleCommand({ RoleArn: role('partner-plain'), RoleSessionName: 'from-b', Tags: [{ Key: 'team', Value: 'ml' }] }))), 'AccessDenied');
    assert.equal(await errorName(sts.send(new S.AssumeRoleCommand({ RoleArn: role('partner-plain'), RoleSessionName: 'from-b', SourceIdentity: 'alice' }))), 'AccessDenied');
    const c = await sts.send(new S.AssumeRoleCommand({ RoleArn: role('partner-all'), RoleSessionName: 'from-b', SourceIdentity: 'alice', Tags: [{ Key: 'team', Value: 'ml' }] }));
    assert.match(c.AssumedRoleUser?.Arn ?? '', /:assumed-role\/partner-all\/from-b$/);
  });

  it('as before: without tags or a source identity, the assume alone decides', async () => {
    assert.deepEqual(await granted('sts:AssumeRoleWithWebIdentity', 'ci-plain', {}), [provider]);
    assert.deepEqual(await granted('sts:AssumeRole', 'partner-plain', {}), [`arn:aws:iam::${B}:root`]);
    assert.match((await s.sts(partner).send(new S.AssumeRoleCommand({ RoleArn: role('partner-plain'), RoleSessionName: 'from-b' }))).AssumedRoleUser?.Arn ?? '', /:assumed-role\/partner-plain\/from-b$/);
  });
});
