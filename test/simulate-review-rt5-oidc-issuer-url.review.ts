/**
 * Review rt, 5: a change to an OIDC provider (its deletion, a client id or thumbprint added or removed, a tag set or
 * removed) is enforced with RAM's condition key `ram:OidcIssuerUrl`, the provider's issuer URL (src/app/oidc.ts, review
 * qr, 6), so a RAM guardrail "no one deletes the production cluster's issuer" (`Deny ram:DeleteOIDCProvider` where
 * `ram:OidcIssuerUrl` is that URL) refuses the deletion. SimulatePrincipalPolicy and SimulateCustomPolicy supply a
 * provider's stored tags (reviews qa, 2 and rt, 3) but not its issuer URL: they answered `allowed` for the deletion the
 * server refuses, without even reporting the key missing.
 *
 * Contract: issue 8, "simulation … answering from the same code path as enforcement"; DESIGN.md ("In
 * SimulateCustomPolicy/SimulatePrincipalPolicy, ContextEntries given by the caller override values the directory would
 * supply"); docs/semantics.md (RAM's `ram:OidcIssuerUrl`, "the issuer URL asked for or the provider's"). Now the
 * simulator supplies the provider's issuer URL for the actions enforced with it, for a caller that may read the provider
 * (GetOpenIDConnectProvider, which shows its URL); a read (GetOpenIDConnectProvider), enforced without it, is simulated
 * without it. Real server (SQLite), an `acs` account, SDK v3 IAM, an OIDC issuer on loopback (test/support/oidc-issuer.ts).
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { accountAdmin, iamUserWith, sdkException, startTestServer, type TestServer } from './support/server.ts';

const ACS = '350000000875';
const OPS = `acs:ram::${ACS}:user/ops`;

let server: TestServer;
let issuer: OidcIssuer;
let provider: string;
let policy: object;
let admin: I.IAMClient;
let ops: I.IAMClient;

before(async () => {
  [server, issuer] = await Promise.all([startTestServer(), startOidcIssuer()]);
  admin = server.iam(await accountAdmin(server, ACS, 'acs'));
  provider = (await admin.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.aliyuncs.com'] }))).OpenIDConnectProviderArn as string;
  policy = {
    Version: '1',
    Statement: [
      { Effect: 'Allow', Action: 'ram:*', Resource: '*' },
      { Effect: 'Deny', Action: 'ram:DeleteOIDCProvider', Resource: '*', Condition: { StringEquals: { 'ram:OidcIssuerUrl': issuer.url } } },
    ],
  };
  ops = server.iam(await iamUserWith(admin, 'ops', policy));
});
after(async () => {
  await issuer?.close();
  await server?.stop();
});

const ACTIONS = ['ram:DeleteOpenIDConnectProvider', 'ram:GetOpenIDConnectProvider'];
const results = (r: { EvaluationResults?: I.EvaluationResult[] | undefined }) => (r.EvaluationResults ?? []).map((e) => [e.EvalActionName, e.EvalDecision, e.MissingContextValues ?? []]);

describe('review rt, 5: a change to an OIDC provider is simulated with its issuer URL (ram:OidcIssuerUrl)', () => {
  test('enforcement refuses the deletion and lets the provider be read', async () => {
    assert.equal((await sdkException(ops.send(new I.DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: provider })))).code, 'AccessDenied');
    assert.equal((await ops.send(new I.GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: provider }))).Url, issuer.url);
  });

  test('SimulatePrincipalPolicy answers explicitDeny to the deletion, the key supplied', async () => {
    const r = await admin.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: OPS, ActionNames: ACTIONS, ResourceArns: [provider] }));
    assert.deepEqual(results(r), [[ACTIONS[0], 'explicitDeny', []], [ACTIONS[1], 'allowed', []]]);
  });

  test('SimulateCustomPolicy answers the same', async () => {
    const r = await admin.send(new I.SimulateCustomPolicyCommand({ PolicyInputList: [JSON.stringify(policy)], ActionNames: ACTIONS, ResourceArns: [provider] }));
    assert.deepEqual(results(r), [[ACTIONS[0], 'explicitDeny', []], [ACTIONS[1], 'allowed', []]]);
  });
});
