/**
 * Review se, 1: a change to an OIDC provider (its deletion, a client id or thumbprint added or removed, a tag set or
 * removed) is enforced with RAM's condition key `ram:OidcIssuerUrl`, the provider's stored issuer URL (src/app/oidc.ts,
 * review qr, 6), and the IAM simulator supplies it too (review rt, 5). The authorize API (`POST /v1/authorize`), which
 * supplies a provider's stored tags (review nk, 2), did not supply its URL: asked whether a RAM user under the guardrail
 * "no one deletes the production issuer" (`Deny ram:DeleteOIDCProvider` where `ram:OidcIssuerUrl` is that URL) may
 * delete it, it answered Allow to the deletion the server refuses, and an asker's own `ram:OidcIssuerUrl` decided it
 * (another URL lifted the Deny). The simulator supplied the URL to IAM's names of a change alone: asked about RAM's own
 * (`ram:DeleteOIDCProvider`), it answered `allowed`.
 *
 * Contract: DESIGN.md (the authorize API answers as enforcement decides, the directory's facts in place of the asker's);
 * docs/semantics.md (RAM's `ram:OidcIssuerUrl`, "the issuer URL asked for or the provider's"). Now the authorize API
 * decides a change to a provider of the directory with its stored URL in place of any the asker gives (noted; review
 * se, 3 adds the read, GetOpenIDConnectProvider), and CreateOpenIDConnectProvider with the asker's (the URL asked for); both
 * supply it to RAM's names of a change as to IAM's.
 * Real server (SQLite), an `acs` account, SDK v3 IAM, an OIDC issuer on loopback (test/support/oidc-issuer.ts).
 *
 * Before the fix 2 of 4 tests failed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { authorizeDecision } from './support/authorize-api.ts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { accountAdmin, iamUserWith, sdkException, startTestServer, type TestServer } from './support/server.ts';

const ACS = '350000000911';
const OPS = `acs:ram::${ACS}:user/ops`;

let server: TestServer;
let issuer: OidcIssuer;
let provider: string;
let ops: I.IAMClient;
let admin: I.IAMClient;

before(async () => {
  [server, issuer] = await Promise.all([startTestServer(), startOidcIssuer()]);
  admin = server.iam(await accountAdmin(server, ACS, 'acs'));
  provider = (await admin.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.aliyuncs.com'] }))).OpenIDConnectProviderArn as string;
  ops = server.iam(
    await iamUserWith(admin, 'ops', {
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: 'ram:*', Resource: '*' },
        { Effect: 'Deny', Action: ['ram:DeleteOIDCProvider', 'ram:CreateOIDCProvider'], Resource: '*', Condition: { StringEquals: { 'ram:OidcIssuerUrl': issuer.url } } },
      ],
    }),
  );
});
after(async () => {
  await issuer?.close();
  await server?.stop();
});

const ask = (action: string, context?: Record<string, string>) => authorizeDecision(server, { principal: OPS, action, resource: provider, ...(context ? { context } : {}) });

describe('review se, 1: the authorize API decides a change to an OIDC provider with its issuer URL (ram:OidcIssuerUrl)', () => {
  test('enforcement refuses the deletion and lets the provider be read', async () => {
    assert.equal((await sdkException(ops.send(new I.DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: provider })))).code, 'AccessDenied');
    assert.equal((await ops.send(new I.GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: provider }))).Url, issuer.url);
  });

  test('the authorize API answers ExplicitDeny to the deletion, whatever URL the asker gives, and Allow to the read', async () => {
    assert.equal(await ask('ram:DeleteOpenIDConnectProvider'), 'ExplicitDeny');
    assert.equal(await ask('ram:DeleteOIDCProvider'), 'ExplicitDeny');
    assert.equal(await ask('ram:DeleteOpenIDConnectProvider', { 'ram:OidcIssuerUrl': 'https://elsewhere.example' }), 'ExplicitDeny');
    assert.equal(await ask('ram:GetOpenIDConnectProvider'), 'Allow');
    const r = await call<{ decision: string; diagnostics: string[] }>(connectionTo(server.url, server.admin), 'POST', ['authorize'], {
      body: { principal: OPS, action: 'ram:DeleteOpenIDConnectProvider', resource: provider, context: { 'ram:OidcIssuerUrl': 'https://elsewhere.example' } },
    });
    assert.ok(r.ok, JSON.stringify(r));
    assert.ok(r.value.diagnostics.some((d) => d.includes('`ram:OidcIssuerUrl`') && d.includes('replaced')), JSON.stringify(r.value.diagnostics));
  });

  test('a registration is decided with the URL the asker gives, as CreateOpenIDConnectProvider is with the URL asked for', async () => {
    assert.equal(await ask('ram:CreateOpenIDConnectProvider', { 'ram:OidcIssuerUrl': issuer.url }), 'ExplicitDeny');
    assert.equal(await ask('ram:CreateOpenIDConnectProvider', { 'ram:OidcIssuerUrl': 'https://elsewhere.example' }), 'Allow');
  });

  test("the IAM simulator decides RAM's own name of a change (ram:DeleteOIDCProvider) with the issuer URL too", async () => {
    const r = await admin.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: OPS, ActionNames: ['ram:DeleteOIDCProvider'], ResourceArns: [provider] }));
    assert.deepEqual((r.EvaluationResults ?? []).map((e) => [e.EvalActionName, e.EvalDecision]), [['ram:DeleteOIDCProvider', 'explicitDeny']]);
  });
});
