/**
 * Review rz, 2: a role trust policy naming a SAML provider (`"Federated": "arn:aws:iam::A:saml-provider/X"`, RAM's
 * `acs:ram::A:saml-provider/X`) was accepted by CreateRole, UpdateAssumeRolePolicy and `apply`, though Gatehouse keeps no
 * SAML providers (CreateSAMLProvider is refused, ListSAMLProviders is empty, AssumeRoleWithSAML answers that none is kept;
 * reviews kk, rh 1): a role written for SAML federation, as the IAM User Guide's SAML walk-through writes it, was created
 * and then could never be assumed, with nothing said. AWS requires the provider to exist first ("Before you can create a
 * role for SAML 2.0 federation, you must create a SAML provider in IAM", IAM User Guide, Create a role for SAML 2.0
 * federation) and refuses a trust policy naming one it does not hold as MalformedPolicyDocument. docs/decisions.md left
 * `Federated` principals unchecked (principals of accounts that do not exist); a SAML provider can never exist here, so
 * it is now refused when written, as `Invalid principal in policy`, saying so and naming the OpenID Connect way, at the
 * value's JSON path. An OpenID Connect provider's ARN is accepted as before. Contract: STYLE.md (errors say what to do
 * next), AWS IAM User Guide. Before the fix 3 of 4 tests failed. Real server, SDK v3, `/v1/apply`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { generateKeyPair } from 'jose';
import { gatehouseJson } from './support/resource-server.ts';
import { withInlineJwks } from './support/inline-jwks.ts';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const SAML = `arn:aws:iam::${ACCT}:saml-provider/corp-idp`;
const samlTrust = (provider: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithSAML', Condition: { StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml' } } }] });
const oidcTrust = (provider: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity' }] });

let s: TestServer;

before(async () => {
  s = await startTestServer();
  // The OpenID Connect providers the trust policies below name, registered first: one the account does not hold is
  // refused since review uo, 1.
  const registrar = await withInlineJwks(s.iam(), (await generateKeyPair('ES256', { extractable: true })).publicKey, 'rz2');
  for (const host of ['token.actions.githubusercontent.com', 'issuer.example.com']) await registrar.send(new I.CreateOpenIDConnectProviderCommand({ Url: `https://${host}`, ClientIDList: ['sts.amazonaws.com'] }));
});
after(async () => {
  await s?.stop();
});

const refusedAsSaml = (f: { code: string; message: string; status: number | undefined }, provider: string) => {
  assert.equal(f.code, 'MalformedPolicyDocument', f.message);
  assert.equal(f.status, 400);
  assert.ok(f.message.includes(`Invalid principal in policy: "Federated":"${provider}"`), f.message);
  assert.match(f.message, /keeps no SAML providers/);
  assert.match(f.message, /oidc-provider/);
};

test('rz2: CreateRole refuses a trust policy naming a SAML provider, and creates no role', async () => {
  refusedAsSaml(await sdkFailure(s.iam().send(new I.CreateRoleCommand({ RoleName: 'saml-admins', AssumeRolePolicyDocument: samlTrust(SAML) }))), SAML);
  assert.equal((await sdkFailure(s.iam().send(new I.GetRoleCommand({ RoleName: 'saml-admins' })))).code, 'NoSuchEntity');
});

test('rz2: UpdateAssumeRolePolicy refuses it too, and keeps the trust policy the role had', async () => {
  const kept = oidcTrust(`arn:aws:iam::${ACCT}:oidc-provider/token.actions.githubusercontent.com`);
  await s.iam().send(new I.CreateRoleCommand({ RoleName: 'ci', AssumeRolePolicyDocument: kept }));
  const mixed = JSON.stringify({ Version: '2012-10-17', Statement: [JSON.parse(kept).Statement[0], { Effect: 'Allow', Principal: { Federated: ['accounts.google.com', SAML] }, Action: 'sts:AssumeRoleWithSAML' }] });
  refusedAsSaml(await sdkFailure(s.iam().send(new I.UpdateAssumeRolePolicyCommand({ RoleName: 'ci', PolicyDocument: mixed }))), SAML);
  const role = await s.iam().send(new I.GetRoleCommand({ RoleName: 'ci' }));
  assert.deepEqual(JSON.parse(decodeURIComponent(role.Role?.AssumeRolePolicyDocument ?? '')), JSON.parse(kept));
});

test('rz2: apply refuses a Role whose trust policy names a SAML provider, in either dialect, at its path', async () => {
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
    documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'saml-ops' }, spec: { trustPolicy: { Version: '1', Statement: [{ Effect: 'Allow', Principal: { Federated: [`acs:ram::${ACCT}:saml-provider/corp`] }, Action: 'sts:AssumeRole' }] } } }],
  });
  assert.equal(r.status, 400, JSON.stringify(r.json));
  const text = JSON.stringify(r.json);
  assert.match(text, /keeps no SAML providers/);
  assert.match(text, /Statement\[0\]\.Principal\.Federated\[0\]/);
});

test('rz2: an OpenID Connect provider and a provider domain name are still accepted', async () => {
  await s.iam().send(new I.CreateRoleCommand({ RoleName: 'web', AssumeRolePolicyDocument: oidcTrust(`arn:aws:iam::${ACCT}:oidc-provider/issuer.example.com`) }));
  await s.iam().send(new I.CreateRoleCommand({ RoleName: 'google', AssumeRolePolicyDocument: oidcTrust('accounts.google.com') }));
});
