/**
 * Review ow, 1: a token naming a key the provider's JWKS lacks makes the server read the issuer's keys again, and that
 * read was allowed once a minute per provider and instance, whatever the key. AssumeRoleWithWebIdentity is unsigned:
 * anyone knowing a role's account and its provider's issuer could send a token with a made-up `kid` once a minute and
 * so keep the minute always running; the issuer's new key, signing from the moment it is published (an issuer that
 * rotates without pre-publishing), was then refused as a forgery (InvalidIdentityToken, which the SDKs do not retry)
 * for up to a minute after every rotation. Held to once a minute per key id instead, the `kid` an issuer naming its keys
 * in sequence will publish next, made up before it does, would still keep that key out. Now the set is read for a key
 * it lacks 5 s after the last read at the earliest, whatever the key id: the issuer sees at most 12 reads a minute.
 * Contract: docs/decisions.md, "OIDC providers" (a token naming a key the set lacks makes it read again at once);
 * credential-protocols §5 (AssumeRoleWithWebIdentity is unsigned, the token is the credential).
 * Real server for the IAM side (SDK v3), a second instance on its store with its own clock and its own HTTP edge,
 * SDK v3 STS against that edge, and an issuer on loopback counting its JWKS reads.
 * Before the fix 3 of 3 tests failed (2 of 3 against review ow1's first form, a read a minute per key id).
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

/** An unsigned caller's token: the issuer's `iss` and audience, a key id of its own, signed with a key of its own. */
const madeUp = (kid: string): Promise<string> => issuer.mint({}, { signWith: forger, kid });

before(async () => {
  forger = (await generateKeyPair('ES256')).privateKey;
  issuer = await startOidcIssuer();
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

test('a made-up kid sent within the minute no longer keeps a rotated key out: 10 s on, the new key is read for and issued', async () => {
  const reads = issuer.keyReads();
  assert.equal(await exchange(await madeUp('made-up-1')), 'InvalidIdentityTokenException');
  assert.equal(issuer.keyReads(), reads + 1, 'the made-up kid made the set be read');
  // The issuer rotates: a new key, signing at once.
  await issuer.publish('k2', 'ES256');
  offset += 10_000;
  assert.equal(await exchange(await issuer.mint({}, { signWith: 'k2' })), 'issued');
  assert.equal(issuer.keyReads(), reads + 2);
});

test('a kid made up before the issuer publishes it (its next key, named in sequence) does not keep that key out either', async () => {
  offset += 10_000;
  const reads = issuer.keyReads();
  assert.equal(await exchange(await madeUp('k3')), 'InvalidIdentityTokenException');
  assert.equal(issuer.keyReads(), reads + 1, 'k3 is not published yet');
  await issuer.publish('k3', 'ES256');
  offset += 6_000;
  assert.equal(await exchange(await issuer.mint({}, { signWith: 'k3' })), 'issued');
  assert.equal(issuer.keyReads(), reads + 2);
});

test('made-up key ids, fresh or repeated, cost the issuer one read per 5 s', async () => {
  offset += 10_000;
  const reads = issuer.keyReads();
  const answers = [];
  for (let i = 0; i < 20; i++) answers.push(await exchange(await madeUp(i % 2 === 0 ? `fresh-${i}` : 'made-up-1')));
  assert.deepEqual(new Set(answers), new Set(['InvalidIdentityTokenException']));
  assert.equal(issuer.keyReads(), reads + 1, 'the first read, the next 19 within 5 s of it not');
  offset += 6_000;
  assert.equal(await exchange(await madeUp('made-up-1')), 'InvalidIdentityTokenException');
  assert.equal(issuer.keyReads(), reads + 2);
});
