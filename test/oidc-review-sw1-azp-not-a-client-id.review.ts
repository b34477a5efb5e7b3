/**
 * Review sw, 1: a web identity token whose authorized party (`azp`) was written as anything but a client id string was
 * taken as a token without one, so the authorized-party check of review ah, 1 never ran on it.
 *
 * The contract: docs/decisions.md ("AssumeRoleWithWebIdentity looks the provider up…": `azp`, when the token has one,
 * must be in the provider's ClientIDList, `InvalidIdentityToken` "Incorrect token audience" otherwise, and then it is the
 * `<provider>:aud` the trust policy reads), after OpenID Connect Core 1.0 §2 (`azp` "MUST contain the OAuth 2.0 Client ID
 * of this party", a string) and §3.1.3.7 (the client checks its own id is the `azp`). Gatehouse read `azp` only when it
 * was a non-empty string: a token naming `["another-client"]` (an array), `42`, or `""` as its party was issued a
 * session on a role trusting the provider's subjects, its `:aud` the audience the provider lists, though the party it
 * was issued to is none of the provider's clients. Now an `azp` that is not a string is `InvalidIdentityToken` (the
 * token is malformed), and an empty one is a party the provider does not list ("Incorrect token audience"), as any
 * other unlisted party; a token without `azp`, with `"azp": null`, or with a listed one is decided as before.
 *
 * A real server, the real `@aws-sdk/client-sts` (unsigned), and an issuer on loopback (discovery and JWKS).
 * Before the fix 3 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { REGION, startTestServer, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let server: TestServer;
let issuer: OidcIssuer;
let sts: S.STSClient;

/** A token for the listed client `our-app`, its `azp` written as given (left out when `undefined`). */
const token = (azp: unknown): Promise<string> => issuer.mint({ sub: 'repo:org/app', aud: 'our-app', ...(azp !== undefined ? { azp } : {}) }, { iatIn: -60, expIn: 3600 });

async function exchange(t: string): Promise<string> {
  try {
    const r = await sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/by-subject`, RoleSessionName: 'sw1', WebIdentityToken: t }));
    return `issued to ${r.Audience}`;
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}

before(async () => {
  issuer = await startOidcIssuer();
  server = await startTestServer();
  const iam = server.iam();
  const arn = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['our-app'] }))).OpenIDConnectProviderArn;
  // Trusts the provider's subject only: the client id list is what names who may present tokens (as in review ah, 1).
  await iam.send(new I.CreateRoleCommand({ RoleName: 'by-subject', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Federated: arn }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${issuer.hostPath}:sub`]: 'repo:org/app' } } }) }));
  sts = new S.STSClient({ endpoint: server.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
});

after(async () => {
  sts?.destroy();
  await issuer?.close();
  await server?.stop();
});

describe('sw1: a token whose `azp` is not a client id string', () => {
  it('an array naming another party is refused InvalidIdentityToken, saying `azp` is not a string', async () => {
    const refused = await exchange(await token(['another-client']));
    assert.match(refused, /^InvalidIdentityToken/, refused);
    assert.match(refused, /authorized party \(`azp`\) is an array, not a string/);
  });

  it('a number is refused likewise', async () => {
    const refused = await exchange(await token(42));
    assert.match(refused, /^InvalidIdentityToken/, refused);
    assert.match(refused, /authorized party \(`azp`\) is a number, not a string/);
  });

  it('an empty one is a party the provider does not list: Incorrect token audience', async () => {
    const refused = await exchange(await token(''));
    assert.match(refused, /^InvalidIdentityToken(Exception)?: Incorrect token audience/, refused);
  });

  it('without `azp`, with `"azp": null` or with the listed client, the token is issued as before', async () => {
    assert.equal(await exchange(await token(undefined)), 'issued to our-app');
    assert.equal(await exchange(await token(null)), 'issued to our-app');
    assert.equal(await exchange(await token('our-app')), 'issued to our-app');
  });
});
