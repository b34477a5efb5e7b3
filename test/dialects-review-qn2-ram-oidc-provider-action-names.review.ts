/**
 * Review qn, 2: RAM manages OpenID Connect providers with `CreateOIDCProvider`, `GetOIDCProvider`, `ListOIDCProviders`,
 * `DeleteOIDCProvider`, `AddClientIdToOIDCProvider`, `RemoveClientIdFromOIDCProvider`, `AddFingerprintToOIDCProvider`
 * and `RemoveFingerprintFromOIDCProvider` — its API reference's "RAM authorization" tables name `ram:CreateOIDCProvider`
 * and so on (alibabacloud.com/help/en/ram/developer-reference/api-ims-2019-08-15-addfingerprinttooidcprovider, …); RAM
 * has no `ram:CreateOpenIDConnectProvider`. In an `acs` account the IAM API decided the provider calls under IAM's names
 * in RAM's service only, so the guardrail a RAM administrator writes against federation backdoors, `Deny
 * ram:CreateOIDCProvider, ram:AddClientIdToOIDCProvider, ram:AddFingerprintToOIDCProvider`, never matched: a RAM user
 * under it registered an issuer of its own, or added its own audience or certificate thumbprint to a provider the
 * account's roles trust (the way into those roles with tokens it mints); and a user granted `ram:CreateOIDCProvider` as
 * RAM's docs teach was refused. Now each call is decided under RAM's own name as well (a Deny naming it refuses in
 * either partition; in an `acs` account an Allow naming it grants). UpdateOpenIDConnectProviderThumbprint replaces the
 * list, RAM's add and remove at once: a Deny of either refuses it, and an Allow of RAM's names does not grant it
 * (the IAM name does). `@aws-sdk/client-iam` against a real server on 127.0.0.1 and a local OIDC issuer.
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { acsAccount, ramUser } from './support/alibaba-world.ts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { iamUserWith, startTestServer, type TestServer } from './support/server.ts';

const ACS = '350000000854';
const THUMBPRINT = 'a'.repeat(40);

describe('qn2: RAM’s own OIDC provider action names decide the IAM API’s provider calls', () => {
  let s: TestServer;
  const issuers: OidcIssuer[] = [];
  let admin: I.IAMClient;
  let guarded: I.IAMClient;
  let granted: I.IAMClient;
  let trusted = '';

  const refused = async (p: Promise<unknown>, what: string): Promise<void> => {
    await assert.rejects(p, (e: { name?: string }) => {
      assert.equal(e.name, 'AccessDenied', `${what}: ${String(e)}`);
      return true;
    }, `${what} was not refused`);
  };

  before(async () => {
    s = await startTestServer();
    for (let i = 0; i < 4; i++) issuers.push(await startOidcIssuer());
    admin = s.iam(await acsAccount(s, ACS));
    trusted = (await admin.send(new I.CreateOpenIDConnectProviderCommand({ Url: (issuers[0] as OidcIssuer).url, ClientIDList: ['sts.aliyuncs.com'] }))).OpenIDConnectProviderArn ?? assert.fail('no provider ARN');
    guarded = s.iam(
      await ramUser(admin, 'alice', { Effect: 'Allow', Action: 'ram:*', Resource: '*' }, { Effect: 'Deny', Action: ['ram:CreateOIDCProvider', 'ram:AddClientIdToOIDCProvider', 'ram:AddFingerprintToOIDCProvider', 'ram:DeleteOIDCProvider'], Resource: '*' }),
    );
    granted = s.iam(
      await ramUser(admin, 'bob', {
        Effect: 'Allow',
        Action: ['ram:CreateOIDCProvider', 'ram:GetOIDCProvider', 'ram:ListOIDCProviders', 'ram:AddClientIdToOIDCProvider', 'ram:RemoveClientIdFromOIDCProvider', 'ram:AddFingerprintToOIDCProvider', 'ram:RemoveFingerprintFromOIDCProvider', 'ram:DeleteOIDCProvider'],
        Resource: '*',
      }),
    );
  });
  after(async () => {
    await s?.stop();
    for (const i of issuers) await i.close();
  });

  it('a Deny of ram:CreateOIDCProvider, AddClientIdToOIDCProvider, AddFingerprintToOIDCProvider, DeleteOIDCProvider refuses the IAM calls', async () => {
    await refused(guarded.send(new I.CreateOpenIDConnectProviderCommand({ Url: (issuers[1] as OidcIssuer).url, ClientIDList: ['sts.aliyuncs.com'] })), 'CreateOpenIDConnectProvider');
    await refused(guarded.send(new I.AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: trusted, ClientID: 'alice-app' })), 'AddClientIDToOpenIDConnectProvider');
    await refused(guarded.send(new I.UpdateOpenIDConnectProviderThumbprintCommand({ OpenIDConnectProviderArn: trusted, ThumbprintList: [THUMBPRINT] })), 'UpdateOpenIDConnectProviderThumbprint');
    await refused(guarded.send(new I.DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: trusted })), 'DeleteOpenIDConnectProvider');
    const now = await admin.send(new I.GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: trusted }));
    assert.deepEqual(now.ClientIDList, ['sts.aliyuncs.com']);
    assert.ok(!(now.ThumbprintList ?? []).includes(THUMBPRINT));
    assert.equal((await admin.send(new I.ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList?.length, 1);
    // What the Deny does not name is still allowed by ram:*.
    await guarded.send(new I.RemoveClientIDFromOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: trusted, ClientID: 'nobody' }));
  });

  it('an Allow of RAM’s names grants the IAM calls, but not the thumbprint list’s replacement', async () => {
    const arn = (await granted.send(new I.CreateOpenIDConnectProviderCommand({ Url: (issuers[2] as OidcIssuer).url, ClientIDList: ['sts.aliyuncs.com'] }))).OpenIDConnectProviderArn ?? assert.fail('no provider ARN');
    await granted.send(new I.AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'bob-app' }));
    await granted.send(new I.RemoveClientIDFromOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'sts.aliyuncs.com' }));
    assert.deepEqual((await granted.send(new I.GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }))).ClientIDList, ['bob-app']);
    assert.equal((await granted.send(new I.ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList?.length, 2);
    await refused(granted.send(new I.UpdateOpenIDConnectProviderThumbprintCommand({ OpenIDConnectProviderArn: arn, ThumbprintList: [THUMBPRINT] })), 'UpdateOpenIDConnectProviderThumbprint by an Allow of RAM’s add and remove');
    await granted.send(new I.DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
  });

  it('in an aws account a Deny of ram:CreateOIDCProvider refuses iam:CreateOpenIDConnectProvider too', async () => {
    const carol = s.iam(await iamUserWith(s.iam(), 'carol', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }, { Effect: 'Deny', Action: ['ram:CreateOIDCProvider'], Resource: '*' }] }));
    await refused(carol.send(new I.CreateOpenIDConnectProviderCommand({ Url: (issuers[3] as OidcIssuer).url, ClientIDList: ['sts.amazonaws.com'] })), 'CreateOpenIDConnectProvider in an aws account');
    await carol.send(new I.ListOpenIDConnectProvidersCommand({}));
  });
});
