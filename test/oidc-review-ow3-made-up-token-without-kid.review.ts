/**
 * Review ow, 3: a token naming no key (`kid`) that no key of the provider's JWKS verifies makes the server read the
 * issuer's keys again (review ks, 4: an issuer that signs without `kid` and rotates its key), and that read was allowed
 * once a minute per provider and instance. Every such token looks alike to the server until a key verifies it, and
 * AssumeRoleWithWebIdentity is unsigned: anyone could send a made-up one (the issuer's `iss` and audience, any key)
 * once a minute, and after each rotation the issuer's tokens, signed with its new key, were refused as forgeries
 * (InvalidIdentityToken) for up to a minute, as review ow, 1 found for a made-up `kid`. Now such a token has the set
 * read 5 s after the last read at the earliest, what made-up key ids cost the issuer already (12 reads a minute at most).
 * Contract: docs/decisions.md, "OIDC providers" (a token without `kid` that no key verifies has the set read again);
 * credential-protocols §5 (AssumeRoleWithWebIdentity is unsigned).
 * Real server for the IAM side (SDK v3), a second instance on its store with its own clock and its own HTTP edge,
 * SDK v3 STS against that edge, and an issuer on loopback counting its JWKS reads.
 * Before the fix 2 of 2 tests failed.
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

/** An unsigned caller's token: the issuer's `iss` and audience, no `kid`, signed with a key of its own. */
const madeUp = (): Promise<string> => issuer.mint({}, { signWith: forger, kid: null });

before(async () => {
  forger = (await generateKeyPair('ES256')).privateKey;
  issuer = await startOidcIssuer({ keys: { k1: 'ES256' } });
  server = await startTestServer();
  const iam = server.iam();
  const provider = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn;
  await iam.send(new I.CreateRoleCommand({ RoleName: 'ci', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity' }) }));
  instance = await instanceBeside(server, { now: () => Date.now() + offset, oidc: true, options: { audit: { enabled: false } } });
  edge = createHttpEdge({ app: instance.app, ready: async () => true, log: () => {} });
  const url = `http://127.0.0.1:${(await edge.listen('127.0.0.1', 0)).port}`;
  sts = new S.STSClient({ endpoint: url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
});

after(async () => {
  sts?.destroy();
  await edge?.close(0);
  await instance?.app.audit.stop();
  await instance?.store.close();
  await server?.stop();
  await issuer?.close();
});

test('a made-up token without kid sent within the minute no longer keeps the rotated key out: 10 s on, it is read and the token issued', async () => {
  assert.equal(await exchange(await issuer.mint({}, { kid: null })), 'issued', 'the issuer signs without kid');
  const reads = issuer.keyReads();
  assert.equal(await exchange(await madeUp()), 'InvalidIdentityTokenException');
  assert.equal(issuer.keyReads(), reads + 1, 'no key verified it: the set was read');
  // The issuer rotates: its old key withdrawn, a new one published and signing at once, still without kid.
  issuer.withdraw('k1');
  await issuer.publish('k2', 'ES256');
  offset += 10_000;
  assert.equal(await exchange(await issuer.mint({}, { signWith: 'k2', kid: null })), 'issued');
  assert.equal(issuer.keyReads(), reads + 2);
});

test('made-up tokens without kid cost the issuer one read per 5 s', async () => {
  offset += 10_000;
  const reads = issuer.keyReads();
  const answers = [];
  for (let i = 0; i < 10; i++) answers.push(await exchange(await madeUp()));
  assert.deepEqual(new Set(answers), new Set(['InvalidIdentityTokenException']));
  assert.equal(issuer.keyReads(), reads + 1, 'the first read, the next 9 within 5 s of it not');
  offset += 6_000;
  assert.equal(await exchange(await madeUp()), 'InvalidIdentityTokenException');
  assert.equal(issuer.keyReads(), reads + 2);
});
