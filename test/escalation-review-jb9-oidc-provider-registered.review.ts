/**
 * Review jb, 9: a role whose trust policy lets an OIDC provider's tokens assume it (`Federated:
 * arn:aws:iam::A:oidc-provider/token.ci.example.com`, `sts:AssumeRoleWithWebIdentity`) was never a step of
 * escalation-paths. But Gatehouse's CreateOpenIDConnectProvider takes the issuer's keys inline (`JwksJson`, for
 * issuers the server cannot reach), so whoever may register that provider — before the CI system's is registered, or
 * after deleting it — signs that issuer's tokens, with the `sub` and `aud` the trust policy asks for, and becomes the
 * role. A user allowed `iam:CreateOpenIDConnectProvider` was answered "acts as no other principal" while it took a
 * role allowed everything. The step is now listed (`sts:AssumeRoleWithWebIdentity`, after
 * `iam:CreateOpenIDConnectProvider`, and `iam:DeleteOpenIDConnectProvider` first where the provider is registered);
 * not for a user who may not register it, nor for a provider registered that it may not delete. Each is taken for real:
 * the provider registered with the user's own key, a token signed with it, AssumeRoleWithWebIdentity answered with a
 * session of the role, whose rights are used. Before the fix 2 of 3 tests failed. Real server (SQLite), SDK v3 IAM
 * and STS (with Gatehouse's `JwksJson` added to the signed body), jose for the token.
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
const OTHER = 'login.idp.example.com';
const provider = (h: string) => `arn:aws:iam::${A}:oidc-provider/${h}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const trusting = (h: string) => doc({ Effect: 'Allow', Principal: { Federated: provider(h) }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${h}:aud`]: 'sts.amazonaws.com' }, StringLike: { [`${h}:sub`]: 'repo:ml/*' } } });

interface Report {
  readonly canBecome: readonly { principal: string; path: readonly { how: string; actions: readonly string[] }[] }[];
}

describe('review jb9: an OIDC provider a principal may register with its own keys is a way to the roles trusting it', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  const key = generateKeyPair('ES256', { extractable: true });
  /** The CI system's own key, which the users do not hold. */
  const theirs = generateKeyPair('ES256', { extractable: true });
  /** An IAM client as `c` that adds the public key of `pair` (the user's own) as `JwksJson` to CreateOpenIDConnectProvider. */
  const iamWithKeys = async (c: Credentials, pair = key): Promise<I.IAMClient> => {
    const iam = s.iam(c);
    await withInlineJwks(iam, (await pair).publicKey, 'mine');
    return iam;
  };
  const token = async (h: string): Promise<string> =>
    new SignJWT({ sub: 'repo:ml/train' }).setProtectedHeader({ alg: 'ES256', kid: 'mine' }).setIssuer(`https://${h}`).setAudience('sts.amazonaws.com').setIssuedAt().setExpirationTime('10m').sign((await key).privateKey);

  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    // OTHER is registered (by the admin, with keys of its own); HOST is registered while the role trusting it is written,
    // as IAM requires (review uo, 1), then deleted, so it is not.
    await (await iamWithKeys(s.admin, theirs)).send(new I.CreateOpenIDConnectProviderCommand({ Url: `https://${OTHER}`, ClientIDList: ['sts.amazonaws.com'] }));
    await trustingDeletedProviders(s.iam(), [`https://${HOST}`], async () => {
      for (const [name, h] of [['deployer', HOST], ['signer', OTHER]] as const) {
        await iam.send(new I.CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trusting(h) }));
        await iam.send(new I.PutRolePolicyCommand({ RoleName: name, PolicyName: 'all', PolicyDocument: doc({ Effect: 'Allow', Action: '*', Resource: '*' }) }));
      }
    });
    keys['mallory'] = await userWithPolicy(s, 'mallory', doc({ Effect: 'Allow', Action: 'iam:CreateOpenIDConnectProvider', Resource: '*' }));
    keys['trent'] = await userWithPolicy(s, 'trent', doc({ Effect: 'Allow', Action: ['iam:CreateOpenIDConnectProvider', 'iam:DeleteOpenIDConnectProvider'], Resource: provider(OTHER) }));
    keys['nobody'] = await userWithPolicy(s, 'nobody', doc({ Effect: 'Allow', Action: 'iam:ListOpenIDConnectProviders', Resource: '*' }));
  });
  after(() => s?.stop());

  const pathTo = async (name: string, to: string) => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: user(name) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return (r.json['reports'] as Report[])[0]?.canBecome.find((b) => b.principal === to)?.path.map((st) => [st.how, st.actions]);
  };
  const assumeAll = async (h: string, r: string): Promise<S.Credentials | undefined> =>
    (await s.sts().send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: role(r), RoleSessionName: 'jb9', WebIdentityToken: await token(h) }))).Credentials;

  it('a user who may register the provider a role trusts becomes the role; it registers it with its key and assumes the role', async () => {
    assert.deepEqual(await pathTo('mallory', role('deployer')), [['sts:AssumeRoleWithWebIdentity', ['iam:CreateOpenIDConnectProvider', 'sts:AssumeRoleWithWebIdentity']]]);
    await (await iamWithKeys(keys['mallory'] as Credentials)).send(new I.CreateOpenIDConnectProviderCommand({ Url: `https://${HOST}`, ClientIDList: ['sts.amazonaws.com'] }));
    const c = await assumeAll(HOST, 'deployer');
    const users = await s.iam({ accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' }).send(new I.ListUsersCommand({}));
    assert.ok((users.Users ?? []).some((u) => u.UserName === 'mallory'));
  });

  it('a registered provider needs its deletion first: listed for a user who may delete it, who does so and assumes the role', async () => {
    assert.equal(await pathTo('mallory', role('signer')), undefined, 'mallory may not delete the registered provider');
    assert.equal(await errorName(s.iam(keys['mallory']).send(new I.DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: provider(OTHER) }))), 'AccessDenied');
    assert.deepEqual(await pathTo('trent', role('signer')), [['sts:AssumeRoleWithWebIdentity', ['iam:DeleteOpenIDConnectProvider', 'iam:CreateOpenIDConnectProvider', 'sts:AssumeRoleWithWebIdentity']]]);
    assert.equal(await errorName(assumeAll(OTHER, 'signer')), 'InvalidIdentityTokenException');
    const iam = await iamWithKeys(keys['trent'] as Credentials);
    await iam.send(new I.DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: provider(OTHER) }));
    await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: `https://${OTHER}`, ClientIDList: ['sts.amazonaws.com'] }));
    assert.match((await assumeAll(OTHER, 'signer'))?.AccessKeyId ?? '', /^ASIA/);
  });

  it('no such step for a user who may not register a provider; IAM refuses it', async () => {
    assert.equal(await pathTo('nobody', role('deployer')), undefined);
    assert.equal(await errorName((await iamWithKeys(keys['nobody'] as Credentials)).send(new I.CreateOpenIDConnectProviderCommand({ Url: 'https://idp.nobody.example.com', ClientIDList: ['sts.amazonaws.com'] }))), 'AccessDenied');
  });
});
