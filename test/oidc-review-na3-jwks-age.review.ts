/**
 * Review na, 3: a provider's key set answered through a cache was kept for its whole `max-age` again, its `Age` ignored, so a key the issuer withdrew stayed good for up to a day more.
 * Before the fix 1 of 2 tests failed.
 *
 * Gatehouse keeps a discovered JWKS for its answer's `Cache-Control` max-age (5 s to 24 h), and promises that a key the
 * issuer withdraws stops opening sessions within one lifetime. Big issuers serve their keys through CDNs, which answer
 * with the max-age the issuer set and an `Age` saying how long the copy has been held; what is left of the answer's
 * freshness is the difference (RFC 9111 §4.2: freshness lifetime minus current age). Gatehouse read the max-age only and
 * counted it from when it fetched: an answer with `max-age=3600, Age: 3598` was kept one more hour, not two seconds, and a
 * withdrawn (say, leaked) key kept opening sessions that long after the issuer's own copies had dropped it. Now the
 * answer's `Age` is taken off its max-age (the 5 s floor still holds). A real server, the real `@aws-sdk/client-sts`
 * (unsigned), two issuers on loopback whose key-set answers carry an `Age`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { REGION, sdkFailure, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
/** Its cached answer is nearly stale (`max-age=3600`, `Age: 3598`). */
let stale: OidcIssuer;
/** Its cached answer is fresh (`max-age=3600`, `Age: 10`). */
let fresh: OidcIssuer;
let sts: S.STSClient;

before(async () => {
  stale = await startOidcIssuer({ keys: { k1: 'ES256' }, maxAge: 3600, age: 3598 });
  fresh = await startOidcIssuer({ keys: { k1: 'ES256' }, maxAge: 3600, age: 10 });
  server = await startTestServer();
  const iam = server.iam();
  for (const [name, issuer] of [['stale', stale], ['fresh', fresh]] as const) {
    const arn = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn;
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: arn }, Action: 'sts:AssumeRoleWithWebIdentity' }] };
    await iam.send(new I.CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust) }));
  }
  sts = new S.STSClient({ endpoint: server.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
});

after(async () => {
  sts?.destroy();
  await stale?.close();
  await fresh?.close();
  await server?.stop();
});

const exchange = (role: string, token: string) => sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::000000000000:role/${role}`, RoleSessionName: 'na3', WebIdentityToken: token }));


test('na3: a key withdrawn from a set answered nearly stale stops opening sessions once what was left of its max-age has passed', async () => {
  const staleToken = await stale.mint({}, { signWith: 'k1', expIn: 3600 });
  assert.match((await exchange('stale', staleToken)).Credentials?.AccessKeyId ?? '', /^ASIA/);
  assert.match((await exchange('fresh', await fresh.mint({}, { signWith: 'k1', expIn: 3600 }))).Credentials?.AccessKeyId ?? '', /^ASIA/);
  for (const issuer of [stale, fresh]) {
    await issuer.publish('k2', 'ES256');
    issuer.withdraw('k1');
  }
  // What was left was 2 s, under the 5 s floor: the set is read again about 5 s after it was, well within 20 s.
  const deadline = Date.now() + 20_000;
  let last = '';
  while (Date.now() < deadline) {
    try {
      await exchange('stale', staleToken);
      last = 'issued';
    } catch (e) {
      const f = await sdkFailure(Promise.reject(e));
      last = f.code;
      if (f.code === 'InvalidIdentityToken') break;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.equal(last, 'InvalidIdentityToken', 'the withdrawn key still opened sessions 20 s after it was withdrawn');
});

test('na3: a key withdrawn from a set answered fresh is kept for what is left of its max-age', async () => {
  // Both sets were read at registration; the stale one's has been read again since (the first test saw the withdrawal),
  // the fresh one's has some 3590 s left of its max-age and still holds the withdrawn key: its `Age` is not its whole max-age.
  const r = await exchange('fresh', await fresh.mint({}, { signWith: 'k1', expIn: 3600 }));
  assert.match(r.Credentials?.AccessKeyId ?? '', /^ASIA/);
});
