/**
 * Review uo, 1: a role trust policy naming an OpenID Connect provider the account has not registered (`"Federated":
 * "arn:aws:iam::A:oidc-provider/token.ci.example.com"`, RAM's `acs:ram::A:oidc-provider/…`) was accepted by CreateRole,
 * UpdateAssumeRolePolicy and `apply`. AWS requires the provider to exist before a trust policy names it (IAM User Guide,
 * "Create a role for OpenID Connect federation": creating the IdP in IAM is a prerequisite) and refuses the policy as
 * MalformedPolicyDocument `Invalid principal in policy`. Accepted here, the role was a grant waiting for whoever first
 * registers that issuer URL: Gatehouse's CreateOpenIDConnectProvider takes the issuer's keys inline (`JwksJson`), so that
 * caller signs the tokens the role trusts (review jb, 9). It is now refused when written, naming the account and the
 * provider and saying to register it first, at the value's JSON path; a provider registered is accepted as before, a
 * provider's domain name (`accounts.google.com`) too, and one registered under a name differing only in case is offered.
 * Contract: AWS IAM User Guide; docs/decisions.md ("A principal of an account that does not exist is refused when
 * written"). Before the fix 3 of 4 tests failed. Real server, SDK v3 IAM, `/v1/apply`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { generateKeyPair } from 'jose';
import { gatehouseJson } from './support/resource-server.ts';
import { withInlineJwks } from './support/inline-jwks.ts';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const A = '000000000000';
const provider = (h: string) => `arn:aws:iam::${A}:oidc-provider/${h}`;
const trusting = (arn: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: arn }, Action: 'sts:AssumeRoleWithWebIdentity' }] });
const REGISTERED = 'login.idp.example.com';

let s: TestServer;
let iam: I.IAMClient;

before(async () => {
  s = await startTestServer();
  iam = await withInlineJwks(s.iam(), (await generateKeyPair('ES256', { extractable: true })).publicKey, 'k1');
  await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: `https://${REGISTERED}`, ClientIDList: ['sts.amazonaws.com'] }));
});
after(async () => {
  await s?.stop();
});

const refused = (f: { code: string; message: string; status: number | undefined }, arn: string) => {
  assert.equal(f.code, 'MalformedPolicyDocument', f.message);
  assert.equal(f.status, 400);
  assert.ok(f.message.includes(`Invalid principal in policy: "Federated":"${arn}"`), f.message);
  assert.match(f.message, /has no OIDC provider/);
  assert.match(f.message, /CreateOpenIDConnectProvider/);
};

test('uo1: CreateRole refuses a trust policy naming an OIDC provider not registered, and creates no role', async () => {
  const arn = provider('token.ci.example.com');
  refused(await sdkFailure(iam.send(new I.CreateRoleCommand({ RoleName: 'deployer', AssumeRolePolicyDocument: trusting(arn) }))), arn);
  assert.equal((await sdkFailure(iam.send(new I.GetRoleCommand({ RoleName: 'deployer' })))).code, 'NoSuchEntity');
});

test('uo1: UpdateAssumeRolePolicy refuses it and keeps the trust policy; a name differing in case is offered', async () => {
  await iam.send(new I.CreateRoleCommand({ RoleName: 'ci', AssumeRolePolicyDocument: trusting(provider(REGISTERED)) }));
  const arn = provider('Login.IDP.example.com');
  const f = await sdkFailure(iam.send(new I.UpdateAssumeRolePolicyCommand({ RoleName: 'ci', PolicyDocument: trusting(arn) })));
  refused(f, arn);
  assert.ok(f.message.includes(`it has \`${REGISTERED}\``), f.message);
  const role = await iam.send(new I.GetRoleCommand({ RoleName: 'ci' }));
  assert.deepEqual(JSON.parse(decodeURIComponent(role.Role?.AssumeRolePolicyDocument ?? '')), JSON.parse(trusting(provider(REGISTERED))));
});

test('uo1: apply refuses a Role trusting a RAM OIDC provider not registered, at its path', async () => {
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
    documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'rrsa' }, spec: { trustPolicy: { Version: '1', Statement: [{ Effect: 'Allow', Principal: { Federated: [`acs:ram::${A}:oidc-provider/ack-rrsa.example.com`] }, Action: 'sts:AssumeRole' }] } } }],
  });
  assert.equal(r.status, 400, JSON.stringify(r.json));
  const text = JSON.stringify(r.json);
  assert.match(text, /has no OIDC provider/);
  assert.match(text, /Statement\[0\]\.Principal\.Federated\[0\]/);
});

test('uo1: a registered provider, in either spelling, and a provider domain name are accepted', async () => {
  await iam.send(new I.CreateRoleCommand({ RoleName: 'web', AssumeRolePolicyDocument: trusting(provider(REGISTERED)) }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'web-ram', AssumeRolePolicyDocument: trusting(`acs:ram::${A}:oidc-provider/${REGISTERED}`) }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'google', AssumeRolePolicyDocument: trusting('accounts.google.com') }));
});
