/**
 * Review of oidc, finding 1: a signing key the issuer has withdrawn from its JWKS must stop opening sessions within
 * the JWKS's lifetime, on every instance and after a restart. A real server (startTestServer, 127.0.0.1), the real
 * `@aws-sdk/client-sts` (unsigned AssumeRoleWithWebIdentity), and an OIDC issuer served by the test on loopback whose
 * JWKS answers `Cache-Control: max-age=1` (kept JWKS_LIFETIME.min, 5 s, by the server).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { REGION, startTestServer, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
/** JWKS_LIFETIME.min of src/app/oidc.ts: what max-age=1 is raised to. */
const LIFETIME_MS = 5_000;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let server: TestServer;
let issuer: OidcIssuer;

/** A token signed with the issuer's key `kid` and naming it. */
const token = (kid: 'old' | 'current'): Promise<string> => issuer.mint({}, { signWith: kid });

async function exchange(s: TestServer, t: string): Promise<string> {
  const sts = new S.STSClient({ endpoint: s.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
  try {
    const r = await sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/wi`, RoleSessionName: 'ci', WebIdentityToken: t }));
    return `issued ${r.AssumedRoleUser?.Arn ?? ''}`;
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  } finally {
    sts.destroy();
  }
}

before(async () => {
  issuer = await startOidcIssuer({ keys: { old: 'RS256', current: 'RS256' }, maxAge: 1 });
  server = await startTestServer({ keepDir: true });
  const iam = server.iam();
  const arn = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn;
  await iam.send(new I.CreateRoleCommand({ RoleName: 'wi', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Federated: arn }, Action: 'sts:AssumeRoleWithWebIdentity' }) }));
});

after(async () => {
  await issuer?.close();
  await server?.stop();
});

describe('oidc review 1: a discovered JWKS has a lifetime, and the current one is kept in the store', () => {
  it('a key withdrawn by the issuer stops opening sessions within the lifetime, also after a restart; a stale set that cannot be read again refuses', async () => {
    assert.match(await exchange(server, await token('old')), /^issued /);
    // The issuer withdraws `old` (a compromised key). Within the lifetime the server may still use the set it has;
    // once the lifetime has passed, it must have read the JWKS again.
    issuer.withdraw('old');
    await sleep(LIFETIME_MS + 300);
    const refused = await exchange(server, await token('old'));
    assert.match(refused, /^InvalidIdentityTokenException: .*no key of the provider matches/, refused);
    assert.match(await exchange(server, await token('current')), /^issued /);

    // A restart (or another instance on the same store) starts from the set kept in the store, not the one of registration.
    const dataDir = server.dataDir;
    await server.stopServer();
    server = await startTestServer({ dataDir });
    assert.match(await exchange(server, await token('old')), /^InvalidIdentityTokenException: /);
    assert.match(await exchange(server, await token('current')), /^issued /);

    // The issuer cannot be reached any more: once the set is past its lifetime, no token is accepted (fail closed).
    await issuer.close();
    await sleep(LIFETIME_MS + 300);
    const closed = await exchange(server, await token('current'));
    assert.match(closed, /^IDPCommunicationErrorException: Couldn't retrieve verification key.*past their lifetime/, closed);
  });
});
