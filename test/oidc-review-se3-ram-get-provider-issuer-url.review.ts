/**
 * Review se, 3: RAM's GetOIDCProvider carries the condition key `ram:OidcIssuerUrl` (RAM API reference, GetOIDCProvider,
 * "RAM authorization": `ram:GetOIDCProvider`, resource `OIDCProvider`, condition key `ram:OidcIssuerUrl`, as
 * DeleteOIDCProvider carries it), but GetOpenIDConnectProvider was decided without it (review rt, 5: "a read … enforced
 * without it"): a RAM guardrail keeping the production issuer's settings (client ids, thumbprints) from a team
 * (`Deny ram:GetOIDCProvider` where `ram:OidcIssuerUrl` is that URL) never applied, and the read was answered; the
 * authorize API and the IAM simulator answered Allow as well.
 *
 * Contract: docs/semantics.md ("the OpenID Connect provider calls as RAM's … `ram:GetOIDCProvider` … with RAM's
 * condition key `ram:OidcIssuerUrl`, the issuer URL asked for or the provider's"); the RAM API reference. Now the read is
 * enforced with the provider's issuer URL, and the authorize API and the simulator decide it so too; the listing
 * (ListOIDCProviders, which carries no condition key) is unchanged. Real server (SQLite), an `acs` account, SDK v3 IAM,
 * two OIDC issuers on loopback (test/support/oidc-issuer.ts).
 *
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { authorizeDecision } from './support/authorize-api.ts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { accountAdmin, iamUserWith, sdkException, startTestServer, type TestServer } from './support/server.ts';

const ACS = '350000000914';
const TEAM = `acs:ram::${ACS}:user/team`;

let server: TestServer;
let prod: OidcIssuer;
let dev: OidcIssuer;
let arns: { prod: string; dev: string };
let policy: object;
let admin: I.IAMClient;
let team: I.IAMClient;

before(async () => {
  [server, prod, dev] = await Promise.all([startTestServer(), startOidcIssuer(), startOidcIssuer()]);
  admin = server.iam(await accountAdmin(server, ACS, 'acs'));
  const create = async (i: OidcIssuer) => (await admin.send(new I.CreateOpenIDConnectProviderCommand({ Url: i.url, ClientIDList: ['sts.aliyuncs.com'] }))).OpenIDConnectProviderArn as string;
  arns = { prod: await create(prod), dev: await create(dev) };
  policy = {
    Version: '1',
    Statement: [
      { Effect: 'Allow', Action: 'ram:*', Resource: '*' },
      { Effect: 'Deny', Action: 'ram:GetOIDCProvider', Resource: '*', Condition: { StringEquals: { 'ram:OidcIssuerUrl': prod.url } } },
    ],
  };
  team = server.iam(await iamUserWith(admin, 'team', policy));
});
after(async () => {
  await Promise.all([prod?.close(), dev?.close()]);
  await server?.stop();
});

describe('review se, 3: GetOpenIDConnectProvider is decided with the issuer URL (ram:OidcIssuerUrl), as RAM decides GetOIDCProvider', () => {
  test('the read of the production issuer is refused, the other read, and both listed', async () => {
    assert.equal((await sdkException(team.send(new I.GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arns.prod })))).code, 'AccessDenied');
    assert.deepEqual((await team.send(new I.GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arns.dev }))).ClientIDList, ['sts.aliyuncs.com']);
    const listed = (await team.send(new I.ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList?.map((p) => p.Arn).sort();
    assert.deepEqual(listed, [arns.prod, arns.dev].sort());
  });

  test('the authorize API answers the same, under either dialect’s name', async () => {
    for (const action of ['ram:GetOpenIDConnectProvider', 'ram:GetOIDCProvider']) {
      assert.equal(await authorizeDecision(server, { principal: TEAM, action, resource: arns.prod, context: { 'ram:OidcIssuerUrl': dev.url } }), 'ExplicitDeny', action);
      assert.equal(await authorizeDecision(server, { principal: TEAM, action, resource: arns.dev }), 'Allow', action);
    }
  });

  test('SimulatePrincipalPolicy and SimulateCustomPolicy answer the same', async () => {
    const results = (r: { EvaluationResults?: I.EvaluationResult[] | undefined }) => (r.EvaluationResults ?? []).map((e) => [e.EvalResourceName, e.EvalDecision]);
    const asked = { ActionNames: ['ram:GetOpenIDConnectProvider'], ResourceArns: [arns.prod, arns.dev] };
    const expected = [[arns.prod, 'explicitDeny'], [arns.dev, 'allowed']];
    assert.deepEqual(results(await admin.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: TEAM, ...asked }))), expected);
    assert.deepEqual(results(await admin.send(new I.SimulateCustomPolicyCommand({ PolicyInputList: [JSON.stringify(policy)], ...asked }))), expected);
  });
});
