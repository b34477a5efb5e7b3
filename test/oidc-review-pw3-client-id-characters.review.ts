/**
 * Review pw, 3: an OpenID Connect provider's client ids were counted in UTF-16 units, not characters. IAM's constraint on
 * a client id is 1 to 255 characters (IAM API reference, `clientIDType`; CreateOpenIDConnectProvider ClientIDList,
 * AddClientIDToOpenIDConnectProvider and RemoveClientIDFromOpenIDConnectProvider ClientID), and review ow, 2 made STS's
 * parameters count characters (src/core/sts/session.ts `characters`). A client id of 128 characters above U+FFFF (256
 * UTF-16 units) was refused by all three actions, although IAM takes it. Now all three count characters: such a client
 * id is created, added and removed; 256 such characters are still ValidationError, nothing changed.
 * Before the fix 3 of 4 tests failed. A real server, the real `@aws-sdk/client-iam`, an issuer on loopback.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let issuer: OidcIssuer;
let iam: I.IAMClient;
let arn = '';

/** `n` characters above U+FFFF, each two UTF-16 units. */
const astral = (n: number, c = '𠀀') => c.repeat(n);

before(async () => {
  issuer = await startOidcIssuer();
  server = await startTestServer();
  iam = server.iam();
});

after(async () => {
  await issuer?.close();
  await server?.stop();
});

const clientIds = async () => (await iam.send(new I.GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }))).ClientIDList;

test('pw3: CreateOpenIDConnectProvider takes a client id of 128 characters above U+FFFF (256 UTF-16 units)', async () => {
  const out = await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['keep', astral(128)] }));
  arn = out.OpenIDConnectProviderArn ?? '';
  assert.ok(arn);
  assert.deepEqual(await clientIds(), ['keep', astral(128)]);
});

test('pw3: AddClientIDToOpenIDConnectProvider takes 255 such characters', async () => {
  assert.ok(arn, 'the provider was not created');
  await iam.send(new I.AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: astral(255, '𝒜') }));
  assert.deepEqual(await clientIds(), ['keep', astral(128), astral(255, '𝒜')]);
});

test('pw3: RemoveClientIDFromOpenIDConnectProvider removes such a client id', async () => {
  assert.ok(arn, 'the provider was not created');
  await iam.send(new I.RemoveClientIDFromOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: astral(128) }));
  await iam.send(new I.RemoveClientIDFromOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: astral(255, '𝒜') }));
  assert.deepEqual(await clientIds(), ['keep']);
});

test('pw3: 256 characters are still too many for each action, nothing changed', async () => {
  const tooLong = astral(256);
  const c = await sdkFailure(iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: `${issuer.url}/other`, ClientIDList: [tooLong] })));
  assert.equal(c.code, 'ValidationError');
  if (arn) {
    const a = await sdkFailure(iam.send(new I.AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: tooLong })));
    assert.equal(a.code, 'ValidationError');
    const r = await sdkFailure(iam.send(new I.RemoveClientIDFromOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: tooLong })));
    assert.equal(r.code, 'ValidationError');
    assert.match(r.message, /less than or equal to 255/);
    assert.deepEqual(await clientIds(), ['keep']);
  }
});
