/**
 * Review of oidc, finding 6: a token without `kid` was refused as "malformed or unsupported
 * (ERR_JWKS_MULTIPLE_MATCHING_KEYS)" when the provider publishes two keys of its type (issuers that omit `kid` during a
 * rotation). Each fitting key is tried now. A real server (startTestServer, 127.0.0.1), the real `@aws-sdk/client-sts`,
 * and an issuer on loopback publishing two RSA keys and one EC key.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { generateKeyPair, type CryptoKey } from 'jose';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { REGION, startTestServer, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let server: TestServer;
let issuer: OidcIssuer;
let sts: S.STSClient;
/** Signs tokens the issuer does not publish a key for. */
let stranger: CryptoKey;

/** A token signed by `signWith` (a kid of the issuer's, or the stranger's key), without `kid` unless one is given. */
const token = (signWith: string | CryptoKey, opts: { kid?: string; expIn?: number; aud?: string } = {}): Promise<string> =>
  issuer.mint({ ...(opts.aud !== undefined ? { aud: opts.aud } : {}) }, { signWith, kid: opts.kid ?? null, iatIn: -3600, expIn: opts.expIn ?? 600 });

async function exchange(t: string): Promise<string> {
  try {
    await sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/wi`, RoleSessionName: 'ci', WebIdentityToken: t }));
    return 'issued';
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}

before(async () => {
  issuer = await startOidcIssuer({ keys: { 'rsa-old': 'RS256', 'rsa-new': 'RS256', 'ec-1': 'ES256' } });
  stranger = (await generateKeyPair('RS256')).privateKey;
  server = await startTestServer();
  const iam = server.iam();
  const arn = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn;
  await iam.send(new I.CreateRoleCommand({ RoleName: 'wi', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Federated: arn }, Action: 'sts:AssumeRoleWithWebIdentity' }) }));
  sts = new S.STSClient({ endpoint: server.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
});

after(async () => {
  sts?.destroy();
  await issuer?.close();
  await server?.stop();
});

describe('oidc review 6: a token without kid is tried against each key that fits it', () => {
  it('either of two RSA keys verifies a token without kid; a stranger’s key, an expired token and another audience are refused as such', async () => {
    assert.equal(await exchange(await token('rsa-old')), 'issued');
    assert.equal(await exchange(await token('rsa-new')), 'issued');
    assert.equal(await exchange(await token('ec-1')), 'issued');
    assert.match(await exchange(await token(stranger)), /^InvalidIdentityTokenException: .*signature does not verify/);
    // Verified by the second key, then refused for its claims (not as a bad signature).
    assert.match(await exchange(await token('rsa-new', { expIn: -600 })), /^ExpiredTokenException: /);
    assert.match(await exchange(await token('rsa-new', { aud: 'other' })), /^InvalidIdentityTokenException: .*audience/);
    // With a kid, as before.
    assert.equal(await exchange(await token('rsa-new', { kid: 'rsa-new' })), 'issued');
    assert.match(await exchange(await token('rsa-new', { kid: 'rsa-old' })), /^InvalidIdentityTokenException: .*signature does not verify/);
  });
});
