/**
 * Review qr, 6: RAM's OIDC provider operations carry the condition key `ram:OidcIssuerUrl`, the provider's issuer URL
 * (the "RAM authorization" tables of CreateOIDCProvider and UpdateOIDCProvider in RAM's API reference), which is how a
 * RAM administrator lets someone register identity providers of the company's IdP only: `Allow ram:CreateOIDCProvider`
 * with `StringLike ram:OidcIssuerUrl https://idp.example.com/*`, or the guardrail `Deny ram:CreateOIDCProvider` with
 * `StringNotLike` on it. Since review qr, 1 those calls are decided under RAM's names, but their request context had no
 * such key: the Allow never held (a key not in the request fails `StringLike`), and the guardrail refused every
 * provider, the company's own too (a negated operator on a missing key holds).
 *
 * Now `ram:OidcIssuerUrl` is in the context of CreateOpenIDConnectProvider (the URL asked for) and of the calls on an
 * existing provider (its stored URL). Through `@aws-sdk/client-iam` against a real server on 127.0.0.1, issuers on
 * loopback. Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { acsAccount, ramUser } from './support/alibaba-world.ts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ACS = '350000000907';

describe('qr6: ram:OidcIssuerUrl decides RAM’s OIDC provider calls', () => {
  let s: TestServer;
  let issuers: OidcIssuer[] = [];
  let admin: I.IAMClient;
  let delegate: I.IAMClient;
  let guarded: I.IAMClient;

  const refused = async (p: Promise<unknown>, what: string): Promise<void> => {
    await assert.rejects(p, (e: { name?: string }) => {
      assert.equal(e.name, 'AccessDenied', `${what}: ${String(e)}`);
      return true;
    }, `${what} was not refused`);
  };

  before(async () => {
    s = await startTestServer();
    issuers = await Promise.all([startOidcIssuer(), startOidcIssuer(), startOidcIssuer()]);
    admin = s.iam(await acsAccount(s, ACS));
    const corp = (i: number) => `${issuers[i]?.url ?? ''}*`;
    delegate = s.iam(await ramUser(admin, 'delegate', { Effect: 'Allow', Action: ['ram:CreateOIDCProvider', 'ram:AddClientIdToOIDCProvider'], Resource: '*', Condition: { StringLike: { 'ram:OidcIssuerUrl': corp(0) } } }));
    guarded = s.iam(await ramUser(admin, 'guarded', { Effect: 'Allow', Action: 'ram:*', Resource: '*' }, { Effect: 'Deny', Action: 'ram:CreateOIDCProvider', Resource: '*', Condition: { StringNotLike: { 'ram:OidcIssuerUrl': corp(1) } } }));
  });
  after(async () => {
    for (const c of [admin, delegate, guarded]) c?.destroy();
    await Promise.all(issuers.map((i) => i.close()));
    await s?.stop();
  });

  it('an Allow on ram:OidcIssuerUrl grants the company’s issuer, and adding its audiences, and no other issuer', async () => {
    const arn = (await delegate.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuers[0]?.url, ClientIDList: ['sts.aliyuncs.com'] }))).OpenIDConnectProviderArn ?? assert.fail('no provider');
    await delegate.send(new I.AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'app' }));
    await refused(delegate.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuers[2]?.url, ClientIDList: ['sts.aliyuncs.com'] })), 'another issuer');
  });

  it('a Deny unless ram:OidcIssuerUrl is the company’s lets the company’s issuer through, and refuses another', async () => {
    await guarded.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuers[1]?.url, ClientIDList: ['sts.aliyuncs.com'] }));
    await refused(guarded.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuers[2]?.url, ClientIDList: ['sts.aliyuncs.com'] })), 'another issuer');
  });
});
