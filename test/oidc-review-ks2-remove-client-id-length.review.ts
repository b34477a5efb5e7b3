/**
 * Review ks, 2: RemoveClientIDFromOpenIDConnectProvider took a `ClientID` of any length. IAM's constraint on it is 1 to
 * 255 characters (IAM API reference, `clientIDType`), as AddClientIDToOpenIDConnectProvider and CreateOpenIDConnectProvider
 * hold it here; removal checked nothing, answered 200 for a client id no provider can hold, and recorded the request whole
 * in the audit log: a principal allowed the action on one provider put up to the Query API's 1 MiB in the log per request,
 * kept for ever (refusals keep at most 64 KiB of a request; this was no refusal). Now such a ClientID is ValidationError
 * in IAM's words, before any decision, nothing changed or recorded; a client id of 1 to 255 characters is removed as
 * before. Before the fix 2 of 3 tests failed. A real server, the real `@aws-sdk/client-iam`, an issuer on loopback.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { auditRecords, sdkFailure, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let issuer: OidcIssuer;
let iam: I.IAMClient;
let arn = '';

before(async () => {
  issuer = await startOidcIssuer();
  server = await startTestServer();
  iam = server.iam();
  arn = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['keep', 'drop'] }))).OpenIDConnectProviderArn ?? '';
});

after(async () => {
  await issuer?.close();
  await server?.stop();
});

const clientIds = async () => (await iam.send(new I.GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }))).ClientIDList;

test('ks2: a ClientID over 255 characters is ValidationError in IAM words, the provider unchanged', async () => {
  const f = await sdkFailure(iam.send(new I.RemoveClientIDFromOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'x'.repeat(256) })));
  assert.equal(f.code, 'ValidationError');
  assert.equal(f.status, 400);
  assert.match(f.message, /'clientID' failed to satisfy constraint: Member must have length less than or equal to 255/);
  assert.deepEqual(await clientIds(), ['keep', 'drop']);
});

test('ks2: a ClientID of 400,000 characters is refused and the audit log does not keep it', async () => {
  const long = `z${'y'.repeat(400_000)}`;
  const f = await sdkFailure(iam.send(new I.RemoveClientIDFromOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: long })));
  assert.equal(f.code, 'ValidationError');
  assert.ok(f.message.length < 1000, `the refusal quotes the value: ${f.message.length} characters`);
  const records = await auditRecords(server, { action: 'iam:RemoveClientIDFromOpenIDConnectProvider' });
  assert.ok(records.every((r) => !JSON.stringify(r).includes('y'.repeat(1000))), 'a record holds the long ClientID');
});

test('ks2: a ClientID of 1 to 255 characters is removed as before, and recorded', async () => {
  await iam.send(new I.RemoveClientIDFromOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'drop' }));
  assert.deepEqual(await clientIds(), ['keep']);
  const records = await auditRecords(server, { action: 'iam:RemoveClientIDFromOpenIDConnectProvider', decision: 'ok' });
  assert.equal(records.filter((r) => (r.detail as { request?: { clientId?: string } }).request?.clientId === 'drop').length, 1);
});
