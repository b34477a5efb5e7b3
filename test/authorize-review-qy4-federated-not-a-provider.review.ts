/**
 * Review qy, finding 4: a `Federated` principal that is neither an identity provider's ARN nor a domain name was taken
 * when written and named no provider ever: the issuer URL instead of the provider's ARN
 * (`"Federated": "https://token.actions.githubusercontent.com"`, the usual slip when a trust policy is written by hand),
 * a user's or role's ARN, any text. A web identity token's principal is its provider's ARN
 * (`arn:aws:iam::<account>:oidc-provider/<host/path>`), which such a value never equals, so a trust policy's Deny on it
 * ("no token of this issuer from another repository") denied nothing, and an Allow let no token in, answered only by
 * "the trust policy does not allow". IAM refuses it ("Federated principals must be valid domain names or SAML metadata
 * ARNs", MalformedPolicyDocument). Now every door refuses it when written, POLICY_INVALID_PRINCIPAL at its path, and
 * an issuer URL is told to name the provider by its ARN; a provider's ARN and a domain name (`accounts.google.com`) are
 * taken as before. A stored one is read as before.
 * Before the fix 3 of 4 tests failed.
 * Real server (SQLite), SDK v3 (IAM CreateRole), SigV4-signed /v1/apply.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { generateKeyPair } from 'jose';
import { gatehouseJson } from './support/resource-server.ts';
import { withInlineJwks } from './support/inline-jwks.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
let iam: I.IAMClient;

const trust = (Federated: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated }, Action: 'sts:AssumeRoleWithWebIdentity' }] });
const refusal = async (RoleName: string, Federated: string): Promise<Error & { name: string }> => {
  const err = await iam.send(new I.CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: trust(Federated) })).then(() => undefined, (e: unknown) => e as Error & { name: string });
  assert.ok(err !== undefined, `the trust policy naming \`${Federated}\` was taken`);
  return err;
};

before(async () => {
  s = await startTestServer();
  iam = s.iam();
});
after(async () => {
  iam?.destroy();
  await s?.stop();
});

test('qy4: a trust policy naming the issuer URL is refused, and told to name the provider by its ARN', async () => {
  const err = await refusal('qy4-url', 'https://token.actions.githubusercontent.com');
  assert.equal(err.name, 'MalformedPolicyDocumentException');
  assert.match(err.message, /Invalid principal in policy: "Federated":"https:\/\/token\.actions\.githubusercontent\.com"/);
  assert.match(err.message, /oidc-provider\/token\.actions\.githubusercontent\.com/);
});

test('qy4: a user ARN or plain text as Federated is refused', async () => {
  for (const [name, value] of [['qy4-user', 'arn:aws:iam::000000000000:user/ci'], ['qy4-text', 'github actions']] as const) {
    const err = await refusal(name, value);
    assert.equal(err.name, 'MalformedPolicyDocumentException', `${value}: ${err.message}`);
  }
});

test('qy4: /v1/apply refuses it at its path', async () => {
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
    documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'qy4-apply' }, spec: { trustPolicy: JSON.parse(trust('https://issuer.example/tenant')) as object } }],
  });
  assert.equal(r.status, 400, JSON.stringify(r.json));
  assert.match(JSON.stringify(r.json), /POLICY_INVALID_PRINCIPAL/);
  assert.match(JSON.stringify(r.json), /Principal\.Federated/);
});

test('qy4: a provider ARN and a domain name are still taken', async () => {
  // The provider registered first: one the account does not hold is refused since review uo, 1.
  const registrar = await withInlineJwks(s.iam(), (await generateKeyPair('ES256', { extractable: true })).publicKey, 'qy4');
  await registrar.send(new I.CreateOpenIDConnectProviderCommand({ Url: 'https://issuer.qy4.example/tenant', ClientIDList: ['sts.amazonaws.com'] }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'qy4-arn', AssumeRolePolicyDocument: trust('arn:aws:iam::000000000000:oidc-provider/issuer.qy4.example/tenant') }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'qy4-google', AssumeRolePolicyDocument: trust('accounts.google.com') }));
});
