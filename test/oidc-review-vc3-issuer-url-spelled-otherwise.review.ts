/**
 * Review vc, 3: CreateOpenIDConnectProvider took an issuer URL written otherwise than the URL parser reads it
 * (`HTTPS://Issuer.Example.com`, `https://issuer.example.com:443`, `https://issuer.example.com/x/..`), and named the
 * provider by the URL as read while keeping it as written.
 * Before the fix 3 of 3 tests failed.
 *
 * A provider's name (its ARN, the prefix of its `<host/path>:sub` keys) is the URL as the parser reads it: scheme and
 * host lower-cased, a default port and dot segments dropped. Its identity is the URL as written: a token's `iss` must
 * equal it, and RAM's `ram:OidcIssuerUrl` is it. So a principal that a guardrail keeps from registering the production
 * issuer (`Deny ram:CreateOIDCProvider` where `ram:OidcIssuerUrl` is that URL) registered it anyway, spelled
 * `HTTP://…` or `…/x/..`, with keys of its own (`JwksJson`): the provider had the production issuer's ARN, every role
 * written to trust that ARN trusted tokens the principal signs (their `iss` spelled as it registered), and the real issuer
 * could no longer be registered ("already exists"). Such a URL is now refused (InvalidInput), naming the spelling to use,
 * as one holding white space is (review qw, 3). Real server (SQLite), an `acs` account, SDK v3 IAM, an issuer on loopback.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { exportJWK, generateKeyPair } from 'jose';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { accountAdmin, iamUserWith, sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const ACS = '350000000931';

let server: TestServer;
let issuer: OidcIssuer;
let admin: I.IAMClient;
let ops: I.IAMClient;
let jwks = '';

/** `client` with `JwksJson` (keys of the caller's own) added to each CreateOpenIDConnectProvider it sends, before it signs. */
function withOwnKeys(client: I.IAMClient): I.IAMClient {
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { body?: unknown; headers: Record<string, string> };
      if (typeof request.body === 'string' && request.body.includes('Action=CreateOpenIDConnectProvider')) {
        request.body += `&JwksJson=${encodeURIComponent(jwks)}`;
        request.headers['content-length'] = String(Buffer.byteLength(request.body));
      }
      return next(args);
    },
    { step: 'build', name: 'vc3OwnKeys' },
  );
  return client;
}

const create = (client: I.IAMClient, Url: string) => sdkFailure(client.send(new I.CreateOpenIDConnectProviderCommand({ Url, ClientIDList: ['sts.aliyuncs.com'] })));

before(async () => {
  [server, issuer] = await Promise.all([startTestServer(), startOidcIssuer()]);
  jwks = JSON.stringify({ keys: [{ ...(await exportJWK((await generateKeyPair('ES256', { extractable: true })).publicKey)), kid: 'own' }] });
  admin = withOwnKeys(server.iam(await accountAdmin(server, ACS, 'acs')));
  ops = withOwnKeys(
    server.iam(
      await iamUserWith(admin, 'ops', {
        Version: '1',
        Statement: [
          { Effect: 'Allow', Action: 'ram:*', Resource: '*' },
          { Effect: 'Deny', Action: 'ram:CreateOIDCProvider', Resource: '*', Condition: { StringEquals: { 'ram:OidcIssuerUrl': issuer.url } } },
        ],
      }),
    ),
  );
});

after(async () => {
  await issuer?.close();
  await server?.stop();
});

test('vc3: a guardrail on the issuer URL is not evaded by spelling the URL otherwise: nothing is registered under its name', async () => {
  assert.equal((await create(ops, issuer.url)).code, 'AccessDenied');
  for (const spelled of [issuer.url.replace('http://', 'HTTP://'), `${issuer.url}/x/..`]) {
    const f = await create(ops, spelled);
    assert.equal(f.code, 'InvalidInput', `${spelled}: ${f.message}`);
    assert.ok(f.message.includes(`\`${issuer.url}\``), f.message);
  }
  const listed = await admin.send(new I.ListOpenIDConnectProvidersCommand({}));
  assert.deepEqual(listed.OpenIDConnectProviderList ?? [], [], 'nothing was registered');
});

test('vc3: an https issuer spelled with capitals or its default port is refused, naming the spelling its tokens carry', async () => {
  for (const [spelled, as] of [
    ['https://Issuer.Example.com', 'https://issuer.example.com'],
    ['https://issuer.example.com:443/tenant', 'https://issuer.example.com/tenant'],
  ] as const) {
    const f = await create(admin, spelled);
    assert.equal(f.code, 'InvalidInput', `${spelled}: ${f.message}`);
    assert.ok(f.message.includes(`\`${as}\``), f.message);
  }
});

test('vc3: the issuer as its tokens spell it is registered as before, with and without a trailing slash', async () => {
  for (const url of ['https://issuer.example.com', 'https://issuer.example.com/', 'https://issuer.example.com/tenant/a']) assert.equal((await create(admin, url)).code, 'no error', url);
  assert.equal((await create(admin, issuer.url)).code, 'no error');
});
