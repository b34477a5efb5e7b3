/**
 * Review kh, 2: CreateOpenIDConnectProvider refused after the caller's permission was granted went unrecorded in
 * the audit log: an issuer whose discovery document or keys cannot be read (`OpenIdIdpCommunicationError`), a
 * provider already registered for the URL (`EntityAlreadyExists`) and the account's quota (`LimitExceeded`) returned
 * before `recordChange`, while the permission's refusal and a refusal inside the transaction were recorded. Adding an
 * identity provider is a way to keep access: every attempt, refused or not, is now a `change` record with the
 * error's code as its decision and the error in `detail.error`.
 *
 * A real server in process, the real `@aws-sdk/client-iam`, an issuer on loopback (closed for the unreachable case).
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { auditRecords, sdkFailure, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let live: OidcIssuer;
let gone: OidcIssuer;
let iam: I.IAMClient;

before(async () => {
  [server, live, gone] = await Promise.all([startTestServer(), startOidcIssuer(), startOidcIssuer()]);
  await gone.close();
  iam = server.iam();
});

after(async () => {
  iam?.destroy();
  await live?.close();
  await server?.stop();
});

const refusals = async (url: string) =>
  (await auditRecords(server, { action: 'iam:CreateOpenIDConnectProvider' })).filter((r) => r.decision !== 'ok' && JSON.stringify(r.detail).includes(new URL(url).host));

it('an issuer that cannot be reached: OpenIdIdpCommunicationError, and a change record of the refusal', async () => {
  const f = await sdkFailure(iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: gone.url, ClientIDList: ['sts.amazonaws.com'] })));
  assert.equal(f.code, 'OpenIdIdpCommunicationError', f.message);
  const rows = await refusals(gone.url);
  assert.equal(rows.length, 1, 'the refusal is recorded');
  const r = rows[0]!;
  assert.equal(r.kind, 'change');
  assert.equal(r.resource, `arn:aws:iam::000000000000:oidc-provider/${new URL(gone.url).host}${new URL(gone.url).pathname.replace(/\/$/, '')}`);
  assert.match(String(r.detail['error']), /cannot read the keys of/);
});

it('a provider already registered for the URL: EntityAlreadyExists, and a change record of the refusal', async () => {
  await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: live.url, ClientIDList: ['sts.amazonaws.com'] }));
  const f = await sdkFailure(iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: live.url, ClientIDList: ['sts.amazonaws.com'] })));
  assert.equal(f.code, 'EntityAlreadyExists', f.message);
  const rows = await refusals(live.url);
  assert.equal(rows.length, 1, 'the refusal is recorded');
  assert.match(String(rows[0]!.detail['error']), /already exists/);
});
