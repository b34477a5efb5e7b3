/**
 * Review it, 4: UpdateOpenIDConnectProviderThumbprint without its `ThumbprintList` (a required parameter of the IAM API,
 * which SDK v3 does not check before sending: a caller that builds the input from a variable left undefined) removed
 * every thumbprint of the provider and answered 200, recorded as a change. IAM answers a required member left out with
 * `ValidationError` ("Value null at 'thumbprintList' failed to satisfy constraint: Member must not be null") and changes
 * nothing; bad input must change nothing. Now it does the same. A list given, even empty (`ThumbprintList=`, what the
 * SDKs send for `[]`), is taken as before. Before the fix 1 of 2 tests failed. A real server and the real
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
let arn = '';
const ONE = 'a'.repeat(40);
const TWO = 'b'.repeat(40);

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  issuer = await startOidcIssuer();
  arn = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'], ThumbprintList: [ONE] }))).OpenIDConnectProviderArn ?? '';
});

after(async () => {
  await issuer?.close();
  await server?.stop();
});

const thumbprints = async () => (await iam.send(new I.GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }))).ThumbprintList ?? [];

test('it4: an update without ThumbprintList is ValidationError and keeps the thumbprints', async () => {
  const input = { OpenIDConnectProviderArn: arn } as unknown as I.UpdateOpenIDConnectProviderThumbprintCommandInput;
  let e: { name: string; message: string; $metadata?: { httpStatusCode?: number } } | undefined;
  try {
    await iam.send(new I.UpdateOpenIDConnectProviderThumbprintCommand(input));
  } catch (x) {
    e = x as typeof e;
  }
  assert.ok(e, 'the update without ThumbprintList succeeded');
  assert.deepEqual([e.name, e.$metadata?.httpStatusCode], ['ValidationError', 400]);
  assert.match(e.message, /Value null at 'thumbprintList' failed to satisfy constraint: Member must not be null/);
  assert.deepEqual(await thumbprints(), [ONE]);
});

test('it4: a list given replaces the thumbprints', async () => {
  await iam.send(new I.UpdateOpenIDConnectProviderThumbprintCommand({ OpenIDConnectProviderArn: arn, ThumbprintList: [TWO, ONE] }));
  assert.deepEqual(await thumbprints(), [TWO, ONE]);
});
