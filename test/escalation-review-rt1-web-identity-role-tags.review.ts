/**
 * Review rt, 1: escalation-paths decided the web-identity step (an OIDC provider a principal may register with keys of
 * its own, review jb, 9; rf, 2 in `acs` accounts) without the role's own tags, while AssumeRoleWithWebIdentity and
 * AssumeRoleWithOIDC decide the role's trust policy with them as `aws:ResourceTag/K` (src/app/oidc.ts; reviews cc, 8 and
 * cy, 4), as AssumeRole does. So a role whose trust lets the provider in only while the role is tagged for it
 * (`StringEquals aws:ResourceTag/federation: on`) was answered "acts as no other principal" though the user registers
 * the provider and takes the role, and a role whose trust denies tokens while it is tagged `locked` was listed as
 * reached by a path STS refuses.
 *
 * Contract: DESIGN.md (the auditor's "which paths let a principal gain more rights"; "it decides every access request
 * the same way"); docs/decisions.md, "An OIDC provider a principal may register is a way to the roles trusting it"
 * (review jb, 9: "the trust decision made as AssumeRoleWithWebIdentity makes it"); README (escalation-paths: "Each step is
 * a question asked of the engine that enforces it"). Each answer is checked against the real call. Real server (SQLite),
 * SDK v3 IAM and STS (with Gatehouse's `JwksJson` added to the signed body), jose for the token.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { generateKeyPair, SignJWT } from 'jose';
import { errorName, startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { trustingDeletedProviders, withInlineJwks } from './support/inline-jwks.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const role = (n: string) => `arn:aws:iam::${A}:role/${n}`;
const HOST = 'token.ci.example.com';
const PROVIDER = `arn:aws:iam::${A}:oidc-provider/${HOST}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const fromProvider = { Principal: { Federated: PROVIDER }, Action: 'sts:AssumeRoleWithWebIdentity' };
/** Lets the provider's tokens in only while the role carries `federation=on`. */
const GATED = doc({ Effect: 'Allow', ...fromProvider, Condition: { StringEquals: { [`${HOST}:aud`]: 'sts.amazonaws.com', 'aws:ResourceTag/federation': 'on' } } });
/** Lets them in, but not while the role carries `locked=true`. */
const LOCKABLE = doc(
  { Effect: 'Allow', ...fromProvider, Condition: { StringEquals: { [`${HOST}:aud`]: 'sts.amazonaws.com' } } },
  { Effect: 'Deny', ...fromProvider, Condition: { StringEquals: { 'aws:ResourceTag/locked': 'true' } } },
);

interface Report {
  readonly canBecome: readonly { principal: string; path: readonly { how: string; actions: readonly string[] }[] }[];
}

describe('review rt1: the web-identity step of escalation-paths decides the role’s trust with the role’s tags', () => {
  let s: TestServer;
  let mallory: Credentials;
  const key = generateKeyPair('ES256', { extractable: true });

  /** Mallory's report, asked before it registers the provider (once registered, a new one needs its deletion first). */
  let report: Report | undefined;
  const pathTo = (to: string) => report?.canBecome.find((b) => b.principal === to)?.path.map((st) => [st.how, st.actions]);
  /** Mallory registers the provider with its own key, once. */
  let registered: Promise<unknown> | undefined;
  const register = async (): Promise<void> => {
    registered ??= (async () => {
      const iam = s.iam(mallory);
      await withInlineJwks(iam, (await key).publicKey, 'mine');
      await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: `https://${HOST}`, ClientIDList: ['sts.amazonaws.com'] }));
    })();
    await registered;
  };
  const assume = async (r: string) => {
    await register();
    const token = await new SignJWT({ sub: 'repo:ml/train' }).setProtectedHeader({ alg: 'ES256', kid: 'mine' }).setIssuer(`https://${HOST}`).setAudience('sts.amazonaws.com').setIssuedAt().setExpirationTime('10m').sign((await key).privateKey);
    return s.sts().send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: role(r), RoleSessionName: 'rt1', WebIdentityToken: token }));
  };

  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    // The provider is registered while the roles trusting it are written, as IAM requires (review uo, 1), then deleted.
    await trustingDeletedProviders(s.iam(), [`https://${HOST}`], async () => {
      for (const [name, trust, tags] of [['gated', GATED, [{ Key: 'federation', Value: 'on' }]], ['locked', LOCKABLE, [{ Key: 'locked', Value: 'true' }]]] as const) {
        await iam.send(new I.CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust, Tags: [...tags] }));
        await iam.send(new I.PutRolePolicyCommand({ RoleName: name, PolicyName: 'read', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) }));
      }
    });
    mallory = await userWithPolicy(s, 'mallory', doc({ Effect: 'Allow', Action: 'iam:CreateOpenIDConnectProvider', Resource: '*' }));
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: user('mallory') });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    report = (r.json['reports'] as Report[])[0];
  });
  after(() => s?.stop());

  it('a role whose trust admits the provider by the role’s own tag is reached; the user registers the provider and takes it', async () => {
    assert.deepEqual(pathTo(role('gated')), [['sts:AssumeRoleWithWebIdentity', ['iam:CreateOpenIDConnectProvider', 'sts:AssumeRoleWithWebIdentity']]]);
    assert.match((await assume('gated')).Credentials?.AccessKeyId ?? '', /^ASIA/);
  });

  it('a role whose trust denies the provider while the role is tagged locked is not listed; STS refuses the token', async () => {
    assert.equal(pathTo(role('locked')), undefined);
    assert.equal(await errorName(assume('locked')), 'AccessDenied');
  });
});
