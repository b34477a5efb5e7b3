/**
 * Review fx, 4: IAM holds an account to 100 OIDC providers (OpenIdConnectProvidersPerAccount, IAM User Guide, "IAM and
 * AWS STS quotas"), and CreateOpenIDConnectProvider past it answers LimitExceeded "Cannot exceed quota for
 * OpenIdConnectProvidersPerAccount: 100". Gatehouse keeps AWS's quotas of users, groups, roles and policies, but took
 * providers without end: an account's admin registered as many as it liked, each with up to 256 KiB of keys kept in the
 * store and loaded by every instance. Now the 101st is refused so, before its issuer is asked for keys; deleting one
 * makes room again. The real `@aws-sdk/client-iam`, with Gatehouse's own `JwksJson` parameter added to the signed body
 * (keys inline, so no issuer is needed).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { generateKeyPair } from 'jose';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';
import { withInlineJwks } from './support/inline-jwks.ts';

const ACCT = '000000000000';

let s: TestServer;
let iam: I.IAMClient;

before(async () => {
  s = await startTestServer();
  const { publicKey } = await generateKeyPair('ES256', { extractable: true });
  iam = s.iam();
  await withInlineJwks(iam, publicKey, 'k1');
});
after(async () => s?.stop());

const create = (n: number) => iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: `https://issuer-${n}.example.com`, ClientIDList: ['sts.amazonaws.com'] }));

test('fx4: an account holds at most 100 OIDC providers, as IAM’s quota; deleting one makes room', async () => {
  for (let n = 1; n <= 100; n++) await create(n);
  const refused = await sdkFailure(create(101));
  assert.deepEqual([refused.code, refused.status, refused.message], ['LimitExceeded', 409, 'Cannot exceed quota for OpenIdConnectProvidersPerAccount: 100']);
  const listed = (await iam.send(new I.ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList ?? [];
  assert.equal(listed.length, 100);
  await iam.send(new I.DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: `arn:aws:iam::${ACCT}:oidc-provider/issuer-7.example.com` }));
  const made = await create(101);
  assert.equal(made.OpenIDConnectProviderArn, `arn:aws:iam::${ACCT}:oidc-provider/issuer-101.example.com`);
});
