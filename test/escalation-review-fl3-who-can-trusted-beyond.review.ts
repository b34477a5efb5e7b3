/**
 * Review fl, 3: who-can's answer about a resource listed the roles allowed and, in `through`, the account's own users
 * and roles that can come to act as them, and nothing of those beyond the account a role's trust policy lets in: a
 * role whose trust policy gives it to an OIDC provider's tokens (`Federated`, `sts:AssumeRoleWithWebIdentity`, a CI
 * system's workloads) or to a partner account read as reachable from within the account alone, though any holder of a
 * matching token, or a principal of the partner account, reads the object through it. Each allowed role (a session:
 * its role) now carries `trustedBeyond`: the other accounts and theirs (`sts:AssumeRole`) and the OIDC providers
 * (`sts:AssumeRoleWithWebIdentity`) its trust policy lets in, decided by the engine; conditions a question's context
 * cannot carry (a token's `sub`, an external id) taken as met, and the grant then `conditional` on them. A role
 * trusting only the account carries none. Then followed: a token with the subject the trust policy names becomes the
 * role and reads the object; another subject is refused; the partner's admin assumes its role.
 * `gatehouse who-can` prints them after the table. Before the fix the first three tests failed (no `trustedBeyond`, nothing printed). Real server (SQLite), a loopback OIDC issuer, two
 * accounts, admin API (SigV4), SDK v3 IAM, STS and S3.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S from '@aws-sdk/client-sts';
import type { OidcIssuer } from './support/oidc-issuer.ts';
import { startTrustWorld, type TrustWorld } from './support/escalation.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, errorName, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const B = '777788889999';
const OBJECT = `arn:aws:s3:::fl3-data/train/x`;
const role = (n: string) => `arn:aws:iam::${A}:role/${n}`;
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const READ = policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::fl3-data/*' });

interface Allowed {
  readonly kind: string;
  readonly name: string;
  readonly trustedBeyond?: readonly { readonly principal: string; readonly action: string; readonly conditional: boolean; readonly conditions: readonly string[] }[];
}

describe('review fl3: who-can lists who beyond the account an allowed role\'s trust policy lets become it', () => {
  let s: TestServer;
  let issuer: OidcIssuer;
  let provider = '';
  let partnerAdmin: Credentials;
  let anonymous: S.STSClient;
  let world: TrustWorld | undefined;
  before(async () => {
    world = await startTrustWorld(
      B,
      (provider, issuer) => ({
        ci: { Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${issuer.hostPath}:sub`]: 'repo:ml/train' } } },
        partner: { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: 'sts:AssumeRole' },
        local: { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole' },
      }),
      { name: 'read', document: READ },
    );
    ({ server: s, issuer, provider, partner: partnerAdmin, anonymous } = world);
  });
  after(() => world?.stop());

  const allowed = async (): Promise<Allowed[]> => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', { action: 's3:GetObject', resource: OBJECT });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json['allowed'] as Allowed[];
  };
  const beyond = (a: Allowed[], name: string) => a.find((x) => x.kind === 'role' && x.name === name)?.trustedBeyond?.map((t) => [t.principal, t.action, t.conditional, t.conditions]);

  it('a role trusting an OIDC provider lists the provider, conditional on the subject; that subject\'s token becomes the role, another does not', async () => {
    assert.deepEqual(beyond(await allowed(), 'ci'), [[provider, 'sts:AssumeRoleWithWebIdentity', true, [`StringEquals ${issuer.hostPath}:sub`]]]);
    const exchange = async (sub: string) =>
      anonymous.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: role('ci'), RoleSessionName: 'ci-run', WebIdentityToken: await issuer.mint({ sub }, { iatIn: -60, expIn: 3600 }) }));
    const c = await exchange('repo:ml/train');
    assert.match(c.AssumedRoleUser?.Arn ?? '', /:assumed-role\/ci\/ci-run$/);
    const session = { accessKeyId: c.Credentials?.AccessKeyId ?? '', secretAccessKey: c.Credentials?.SecretAccessKey ?? '', sessionToken: c.Credentials?.SessionToken ?? '' };
    const a = await gatehouseJson(s.url, session, 'POST', '/v1/authorize', { action: 's3:GetObject', resource: OBJECT });
    assert.equal(a.json['decision'], 'Allow', JSON.stringify(a.json));
    assert.equal(await errorName(exchange('repo:someone/else')), 'AccessDenied');
  });

  it('a role trusting another account lists it, unconditionally; that account\'s admin becomes the role', async () => {
    assert.deepEqual(beyond(await allowed(), 'partner'), [[`arn:aws:iam::${B}:root`, 'sts:AssumeRole', false, []]]);
    const c = await s.sts(partnerAdmin).send(new S.AssumeRoleCommand({ RoleArn: role('partner'), RoleSessionName: 'from-b' }));
    assert.match(c.AssumedRoleUser?.Arn ?? '', /:assumed-role\/partner\/from-b$/);
  });

  it('gatehouse who-can prints them after the table', async () => {
    const r = await cliAgainst(s, ['who-can', '--action', 's3:GetObject', '--resource', OBJECT]);
    assert.equal(r.status, 0, r.err);
    assert.match(r.out, /^also beyond the account, through the trust policies of the roles allowed:$/m);
    assert.match(r.out, new RegExp(`^${provider.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} +role/ci +sts:AssumeRoleWithWebIdentity \\(statement 0 of the trust policy of ci\\) if StringEquals `, 'm'));
    assert.match(r.out, new RegExp(`^arn:aws:iam::${B}:root +role/partner +sts:AssumeRole \\(statement 0 of the trust policy of partner\\)$`, 'm'));
  });

  it('a role trusting only its own account lists no one beyond it', async () => {
    const a = await allowed();
    assert.ok(a.some((x) => x.name === 'local'));
    assert.equal(beyond(a, 'local'), undefined);
  });
});
