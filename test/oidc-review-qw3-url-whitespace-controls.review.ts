/**
 * Review qw, 3: an issuer URL holding white space or a control character was taken as written, while the URL parser
 * (WHATWG) drops such characters at its ends and tabs and newlines anywhere. CreateOpenIDConnectProvider with
 * `Url=" https://issuer.example.com "` (pasted with spaces) answered 500 InternalFailure (the discovery URL built from
 * it threw); `https://issuer.exa<TAB>mple.com` with inline keys registered provider
 * `oidc-provider/issuer.example.com`, whose URL no token's `iss` can equal, and which then kept the real issuer from being
 * registered ("already exists"); and GATEHOUSE_ISSUER_URL with the trailing newline of a file or a Kubernetes Secret
 * made every token's `iss` and the discovery document's `issuer` end in a newline, matching no relying party's
 * registration. OpenID Connect's issuer is a URL compared as written, and none holds such characters. Now each is
 * refused: the provider's `Url` InvalidInput (400), naming the character, and the setting at start (exit 2).
 * Real server (SDK v3 IAM, Gatehouse's `JwksJson` added to the signed body), real `startServer` for the setting.
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { generateKeyPair } from 'jose';
import { startServer } from '../src/main/server.ts';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';
import { withInlineJwks } from './support/inline-jwks.ts';

let s: TestServer;
let iam: I.IAMClient;
let root = '';

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'gh-review-qw3-'));
  s = await startTestServer();
  const { publicKey } = await generateKeyPair('ES256', { extractable: true });
  iam = s.iam();
  await withInlineJwks(iam, publicKey, 'k1', (body) => body.includes('inline'));
});
after(async () => {
  await s?.stop();
  await rm(root, { recursive: true, force: true });
});

test('a Url pasted with spaces around it is InvalidInput, not a 500', async () => {
  const e = await sdkFailure(iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: ' https://issuer.example.com ', ClientIDList: ['sts.amazonaws.com'] })));
  assert.deepEqual([e.code, e.status], ['InvalidInput', 400]);
  assert.match(e.message, /white space or a control character \(U\+0020 at character 1\)/);
});

test('a Url with a tab inside is refused, and does not take the name of the issuer it would parse to', async () => {
  const e = await sdkFailure(iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: 'https://issuer.exa\tmple.com', ClientIDList: ['inline'] })));
  assert.deepEqual([e.code, e.status], ['InvalidInput', 400]);
  const r = await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: 'https://issuer.example.com', ClientIDList: ['inline'] }));
  assert.equal(r.OpenIDConnectProviderArn, 'arn:aws:iam::000000000000:oidc-provider/issuer.example.com');
  assert.equal((await iam.send(new I.GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: r.OpenIDConnectProviderArn }))).Url, 'issuer.example.com');
});

test('GATEHOUSE_ISSUER_URL ending in a newline is refused at start', async () => {
  const dataDir = join(root, 'never');
  await assert.rejects(
    async () => {
      const started = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: { GATEHOUSE_ISSUER_URL: 'https://gatehouse.example.com\n' }, log: () => {} });
      await started.stop();
    },
    /^Error: GATEHOUSE_ISSUER_URL: issuer URL .* white space or a control character/s,
  );
});
