/**
 * Review kk, 3: the account's password policy and its SAML providers, which Gatehouse does not keep, listed and read
 * as none (ListSAMLProviders empty, GetAccountPasswordPolicy NoSuchEntity, review cg, 3), but deleting, reading or
 * changing one (`aws iam delete-account-password-policy`, `get-saml-provider`, `delete-saml-provider`,
 * `update-saml-provider`, `list-saml-provider-tags`…) answered "Could not find operation …", IAM's words for an
 * action that does not exist: a destroy (Terraform's aws_iam_account_password_policy, aws_iam_saml_provider) or a
 * cleanup script that takes NoSuchEntity as "already gone" failed, and creating one did not say why it is refused.
 * Now each is decided as IAM decides it (the account for the password policy, the provider's ARN for a SAML
 * provider), then NoSuchEntity saying Gatehouse keeps none; CreateSAMLProvider is InvalidAction saying so and naming
 * OpenID Connect providers, which Gatehouse keeps. Real server, SDK v3.
 *
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { sdkFailure, startTestServer, userWithPolicy, type TestServer } from './support/server.ts';

const A = '000000000000';
const SAML = `arn:aws:iam::${A}:saml-provider/corp-idp`;
let server: TestServer;
let iam: I.IAMClient;
let carol: I.IAMClient;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:*', Resource: `arn:aws:iam::${A}:user/carol` }] });
  carol = server.iam(await userWithPolicy(server, 'carol', policy));
});
after(async () => {
  await server?.stop();
});

const samlCalls: [string, (c: I.IAMClient) => Promise<unknown>][] = [
  ['GetSAMLProvider', (c) => c.send(new I.GetSAMLProviderCommand({ SAMLProviderArn: SAML }))],
  ['DeleteSAMLProvider', (c) => c.send(new I.DeleteSAMLProviderCommand({ SAMLProviderArn: SAML }))],
  ['UpdateSAMLProvider', (c) => c.send(new I.UpdateSAMLProviderCommand({ SAMLProviderArn: SAML, SAMLMetadataDocument: '<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata"/>' }))],
  ['ListSAMLProviderTags', (c) => c.send(new I.ListSAMLProviderTagsCommand({ SAMLProviderArn: SAML }))],
  ['TagSAMLProvider', (c) => c.send(new I.TagSAMLProviderCommand({ SAMLProviderArn: SAML, Tags: [{ Key: 'k', Value: 'v' }] }))],
  ['UntagSAMLProvider', (c) => c.send(new I.UntagSAMLProviderCommand({ SAMLProviderArn: SAML, TagKeys: ['k'] }))],
];

test('kk3: DeleteAccountPasswordPolicy is NoSuchEntity saying none is kept, after the permission check', async () => {
  const r = await sdkFailure(iam.send(new I.DeleteAccountPasswordPolicyCommand({})));
  assert.equal(r.code, 'NoSuchEntity', r.message);
  assert.equal(r.status, 404);
  assert.match(r.message, /password policy/i);
  assert.match(r.message, /Gatehouse keeps no/);
  const denied = await sdkFailure(carol.send(new I.DeleteAccountPasswordPolicyCommand({})));
  assert.equal(denied.code, 'AccessDenied', denied.message);
  assert.match(denied.message, /iam:DeleteAccountPasswordPolicy/);
});

test('kk3: reading, changing or deleting a SAML provider is NoSuchEntity naming it, decided on its ARN first', async () => {
  for (const [action, call] of samlCalls) {
    const r = await sdkFailure(call(iam));
    assert.equal(r.code, 'NoSuchEntity', `${action}: ${r.message}`);
    assert.match(r.message, /saml-provider\/corp-idp/, `${action}: ${r.message}`);
    assert.match(r.message, /Gatehouse keeps no SAML providers/, `${action}: ${r.message}`);
    const denied = await sdkFailure(call(carol));
    assert.equal(denied.code, 'AccessDenied', `${action} by carol: ${denied.message}`);
    assert.match(denied.message, new RegExp(`iam:${action} on resource: arn:aws:iam::${A}:saml-provider/corp-idp`), `${action} by carol: ${denied.message}`);
  }
  // Not an ARN: said so, before anything is decided.
  const bad = await sdkFailure(iam.send(new I.GetSAMLProviderCommand({ SAMLProviderArn: 'corp-idp' })));
  assert.equal(bad.code, 'ValidationError', bad.message);
  assert.match(bad.message, /SAMLProviderArn/);
});

test('kk3: CreateSAMLProvider says Gatehouse keeps no SAML providers and names OpenID Connect; the list stays empty', async () => {
  const r = await sdkFailure(iam.send(new I.CreateSAMLProviderCommand({ Name: 'corp-idp', SAMLMetadataDocument: '<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata"/>'.padEnd(1000, ' ') })));
  assert.equal(r.code, 'InvalidAction', r.message);
  assert.match(r.message, /^Gatehouse keeps no SAML providers/);
  assert.match(r.message, /OpenID Connect|CreateOpenIDConnectProvider/);
  assert.deepEqual((await iam.send(new I.ListSAMLProvidersCommand({}))).SAMLProviderList, []);
});
