/**
 * Review qw, 1: a provider whose key set is answered through a cache (a CDN's `Age`, review na, 3) had its record
 * rewritten at every read again, unchanged keys or not. Review pi, 3 stopped a set read again unchanged (a made-up `kid`,
 * up to 12 reads a minute per instance from anyone, AssumeRoleWithWebIdentity being unsigned) from being written, but
 * only when its lifetime was the one kept; through a cache the lifetime is `max-age` less `Age`, and `Age` grows with
 * every second the copy is held, so each read had another lifetime (for the same instant of expiry) and wrote the
 * record and a change-log row, which every instance then reads: pi, 3's write amplification, for the issuers that serve
 * their keys through a CDN (Google's among them). Now the lifetime counts as changed only when the set would go stale
 * sooner than the one kept says (the issuer shortened it); the same set good as long or longer is not written.
 * Real server for the IAM side (SDK v3), a second instance on its store with its own clock and HTTP edge, SDK v3 STS
 * against that edge, an issuer on loopback whose key-set answers carry `max-age=3600` and an `Age` that grows with the
 * instance's clock.
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { generateKeyPair, type CryptoKey } from 'jose';
import { createHttpEdge, type HttpEdge } from '../src/adapters/http/server.ts';
import type { Store } from '../src/app/ports/store.ts';
import type { App } from '../src/app/index.ts';
import { instanceBeside } from './support/instances.ts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { REGION, startTestServer, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let server: TestServer;
let issuer: OidcIssuer;
let instance: { app: App; store: Store };
let edge: HttpEdge;
let sts: S.STSClient;
/** How far the instance's clock is ahead of the real one (ms). */
let offset = 0;
/** The CDN's copy was fetched from the issuer 100 s before the test begins; a test may make it older at once. */
let ageJump = 0;
let forger: CryptoKey;

async function exchange(token: string): Promise<string> {
  try {
    await sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/cdn`, RoleSessionName: 'cdn', WebIdentityToken: token }));
    return 'issued';
  } catch (e) {
    return (e as Error).name;
  }
}

const madeUp = (kid: string): Promise<string> => issuer.mint({}, { signWith: forger, kid });
const head = (): Promise<number> => instance.store.read((tx) => tx.changes.head());
const providerWrites = async (after: number): Promise<number> => (await instance.store.read((tx) => tx.changes.since(after, 1000))).filter((c) => c.key.startsWith('oidc-provider/')).length;

before(async () => {
  forger = (await generateKeyPair('ES256')).privateKey;
  // The same copy held by a cache: its `Age` grows as the instance's clock runs.
  issuer = await startOidcIssuer({ maxAge: 3600, age: () => 100 + Math.floor(offset / 1000) + ageJump });
  server = await startTestServer();
  const iam = server.iam();
  const provider = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn;
  await iam.send(new I.CreateRoleCommand({ RoleName: 'cdn', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity' }) }));
  instance = await instanceBeside(server, { now: () => Date.now() + offset, oidc: true, options: { audit: { enabled: false } } });
  edge = createHttpEdge({ app: instance.app, ready: async () => true, log: () => {} });
  const url = `http://127.0.0.1:${(await edge.listen('127.0.0.1', 0)).port}`;
  sts = new S.STSClient({ endpoint: url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
  assert.equal(await exchange(await issuer.mint()), 'issued');
});

after(async () => {
  sts?.destroy();
  await edge?.close(0);
  await instance?.app.audit.stop();
  await instance?.store.close();
  await server?.stop();
  await issuer?.close();
});

test('made-up key ids read the unchanged set again through the cache every 5 s, and write nothing', async () => {
  const from = await head();
  const reads = issuer.keyReads();
  for (let i = 0; i < 5; i++) {
    offset += 6_000;
    assert.equal(await exchange(await madeUp(`made-up-${i}`)), 'InvalidIdentityTokenException');
  }
  assert.equal(issuer.keyReads(), reads + 5);
  assert.equal(await providerWrites(from), 0);
});

test('a set the issuer now says goes stale sooner is kept, with its shorter lifetime', async () => {
  const from = await head();
  // The cache now answers a copy 3,000 s older: what is left of its max-age is much less than the record says.
  ageJump = 3_000;
  offset += 6_000;
  assert.equal(await exchange(await madeUp('made-up-sooner')), 'InvalidIdentityTokenException');
  assert.equal(await providerWrites(from), 1);
  assert.equal(await exchange(await issuer.mint()), 'issued');
});
