/**
 * Review it, 3: an OIDC provider holds at most 100 client ids (IAM's quota, "You cannot register more than 100 client
 * IDs with a single IAM OIDC provider"), and IAM refuses the 101st with `LimitExceeded` (409, "attempted to create
 * resources beyond the current AWS account limits", among AddClientIDToOpenIDConnectProvider's and
 * CreateOpenIDConnectProvider's errors in the IAM API model). Gatehouse answered `ValidationError` (400), the answer to a
 * malformed parameter, in words that said the parameter could hold no more ("ClientID may hold at most 100 client
 * ids" for the one id AddClientIDToOpenIDConnectProvider takes): a caller that handles the quota (LimitExceededException
 * in the SDKs: remove an unused client id first) took it for a request it had spelt wrong. Now both are LimitExceeded,
 * 409, naming the quota and what to do, as the account's provider quota is (review fx, 4); a client id outside 1-255
 * characters is still ValidationError, adding a client id the provider holds is still a no-op (idempotent, as IAM
 * documents), and nothing changes on a refusal. Before the fix 2 of 3 tests failed. A real server and the real
 * `@aws-sdk/client-iam`; an issuer on loopback.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let iam: I.IAMClient;
let issuer: OidcIssuer;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  issuer = await startOidcIssuer();
});

after(async () => {
  await issuer?.close();
  await server?.stop();
});

async function failure(p: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string }> {
  try {
    await p;
  } catch (e) {
    const x = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: x.name, status: x.$metadata?.httpStatusCode, message: x.message };
  }
  assert.fail('the call succeeded');
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => `client-${i}`);

test('it3: registering 101 client ids is LimitExceeded, and nothing is registered', async () => {
  const e = await failure(iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ids(101) })));
  assert.deepEqual([e.name, e.status], ['LimitExceededException', 409]);
  assert.match(e.message, /ClientIdsPerOpenIdConnectProvider: 100/);
  assert.deepEqual((await iam.send(new I.ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList ?? [], []);
});

test('it3: the 101st client id of a provider is LimitExceeded; one it holds is a no-op', async () => {
  const arn = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ids(100) }))).OpenIDConnectProviderArn;
  try {
    const e = await failure(iam.send(new I.AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'one-more' })));
    assert.deepEqual([e.name, e.status], ['LimitExceededException', 409]);
    assert.match(e.message, /ClientIdsPerOpenIdConnectProvider: 100/);
    await iam.send(new I.AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'client-7' }));
    const held = (await iam.send(new I.GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }))).ClientIDList ?? [];
    assert.deepEqual(held, ids(100));
  } finally {
    await iam.send(new I.DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
  }
});

test('it3: a client id longer than 255 characters is still ValidationError', async () => {
  const arn = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['a'] }))).OpenIDConnectProviderArn;
  try {
    const e = await failure(iam.send(new I.AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'x'.repeat(256) })));
    assert.deepEqual([e.name, e.status], ['ValidationError', 400]);
    const c = await failure(iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: `${issuer.url}/other`, ClientIDList: ['x'.repeat(256)] })));
    assert.deepEqual([c.name, c.status], ['ValidationError', 400]);
  } finally {
    await iam.send(new I.DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
  }
});
