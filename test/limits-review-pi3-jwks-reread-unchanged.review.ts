/**
 * Review pi, 3: a web identity token naming a key the provider's discovered JWKS lacks makes the instance read the
 * issuer's keys again, at most every 5 s whatever the key (review ow1), and AssumeRoleWithWebIdentity is unsigned, so
 * anyone knowing a role's issuer may send made-up key ids. Every such read rewrote the provider's record (only its
 * `fetched` time moving) and so appended a change-log row, which every instance of the deployment then reads: up to 12
 * writes a minute per provider and per instance, for keys that had not changed. docs/decisions.md "OIDC providers" (a
 * token naming a key the set lacks makes it read again at once; the set kept with when it was read and its lifetime);
 * review ow1's bound was meant to cost the issuer, not the store. Now the same set read again while the one kept is not
 * yet due for its background read is not written; a new set (a rotation), a new lifetime, or a set due for its read
 * is kept as before.
 * Real server for the IAM side (SDK v3), a second instance on its store with its own clock and its own HTTP edge, SDK v3
 * STS against that edge, an issuer on loopback (JWKS `max-age=60`) counting its reads.
 * Before the fix 1 of 3 tests failed.
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
import { settled } from './support/settle.ts';

const ACCT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let server: TestServer;
let issuer: OidcIssuer;
let instance: { app: App; store: Store };
let edge: HttpEdge;
let sts: S.STSClient;
let offset = 0;
let forger: CryptoKey;

async function exchange(token: string): Promise<string> {
  try {
    await sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/ci`, RoleSessionName: 'ci', WebIdentityToken: token }));
    return 'issued';
  } catch (e) {
    return (e as Error).name;
  }
}

const madeUp = (kid: string): Promise<string> => issuer.mint({}, { signWith: forger, kid });
const head = (): Promise<number> => instance.store.read((tx) => tx.changes.head());
/** The writes of provider records since change `after`. */
const providerWrites = async (after: number): Promise<number> => (await instance.store.read((tx) => tx.changes.since(after, 1000))).filter((c) => c.key.startsWith('oidc-provider/')).length;

before(async () => {
  forger = (await generateKeyPair('ES256')).privateKey;
  issuer = await startOidcIssuer({ maxAge: 60 });
  server = await startTestServer();
  const iam = server.iam();
  const provider = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn;
  await iam.send(new I.CreateRoleCommand({ RoleName: 'ci', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity' }) }));
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

test('made-up key ids read the issuer\'s unchanged set again every 5 s, and write nothing', async () => {
  const from = await head();
  const reads = issuer.keyReads();
  for (let i = 0; i < 5; i++) {
    offset += 6_000;
    assert.equal(await exchange(await madeUp(`made-up-${i}`)), 'InvalidIdentityTokenException');
  }
  assert.equal(issuer.keyReads(), reads + 5);
  assert.equal(await providerWrites(from), 0);
});

test('a rotated set is still kept: the new key is issued for, and the set written once', async () => {
  const from = await head();
  await issuer.publish('k2', 'ES256');
  offset += 6_000;
  assert.equal(await exchange(await issuer.mint({}, { signWith: 'k2' })), 'issued');
  assert.equal(await providerWrites(from), 1);
  assert.equal(await exchange(await issuer.mint({}, { signWith: 'k2' })), 'issued');
  assert.equal(await providerWrites(from), 1);
});

test('a set due for its background read is read and kept again, unchanged as it is', async () => {
  const from = await head();
  const reads = issuer.keyReads();
  offset += 50_000;
  assert.equal(await exchange(await issuer.mint({}, { signWith: 'k2' })), 'issued');
  // The provider's write is in the background: waited for to a bound of time (settle.ts), not 100 tries.
  await settled(() => providerWrites(from), (n) => n > 0);
  assert.equal(issuer.keyReads(), reads + 1);
  assert.equal(await providerWrites(from), 1);
});
