/**
 * Review ah, finding 1: a web identity token issued to a party the provider does not list (`azp`) was accepted.
 *
 * AWS STS checks the token's authorized party against the provider's client id list when the token has one (its
 * `<provider>:aud` key is the `azp` then: IAM User Guide, "Available keys for OIDC federation"), and refuses a token
 * whose `azp` is not listed with InvalidIdentityToken "Incorrect token audience" (aws/aws-sdk-net#3071, #3100: an
 * Entra ID v2 access token, `aud` the listed API, `azp` another application). Gatehouse looked for a listed `aud` only:
 * a token minted for any client of the issuer that named one of our client ids among its audiences opened a session
 * on every role whose trust policy does not also test `:aud` (one that trusts the provider's subjects by `:sub`), the
 * unlisted party becoming the session's `:aud`. Now refused, saying which party and what to do; a token whose `azp`
 * is listed, or that has none, is decided as before.
 *
 * A real server, the real `@aws-sdk/client-sts` (unsigned), and an issuer on loopback (discovery and JWKS).
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

const token = (aud: string | string[], azp?: string): Promise<string> =>
  issuer.mint({ sub: 'repo:org/app', aud, ...(azp !== undefined ? { azp } : {}) }, { iatIn: -60, expIn: 3600 });

async function exchange(t: string): Promise<string> {
  try {
    const r = await sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/by-subject`, RoleSessionName: 'ah1', WebIdentityToken: t }));
    return `issued to ${r.Audience}`;
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}

before(async () => {
  issuer = await startOidcIssuer();
  const { url, hostPath } = issuer;
  server = await startTestServer();
  const iam = server.iam();
  const arn = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: url, ClientIDList: ['our-app'] }))).OpenIDConnectProviderArn;
  // A role trusting the provider's subject only (no `:aud` condition): the client id list is what names who may present tokens.
  await iam.send(new I.CreateRoleCommand({ RoleName: 'by-subject', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Federated: arn }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${hostPath}:sub`]: 'repo:org/app' } } }) }));
  sts = new S.STSClient({ endpoint: server.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
});

after(async () => {
  sts?.destroy();
  await issuer?.close();
  await server?.stop();
});

describe('ah1: a web identity token whose authorized party the provider does not list', () => {
  it('is refused InvalidIdentityToken, naming the party, even where the trust policy tests no `:aud`', async () => {
    const refused = await exchange(await token(['our-app', 'their-api'], 'another-client'));
    assert.match(refused, /^InvalidIdentityTokenException: Incorrect token audience: the token was issued to `another-client` \(its `azp`\), which is not a client id of OpenIDConnect provider http:\/\/127\.0\.0\.1:\d+: add it to the provider's client ids/);
  });

  it('a token issued to a listed party, or naming none, is issued as before', async () => {
    assert.equal(await exchange(await token(['our-app', 'their-api'], 'our-app')), 'issued to our-app');
    assert.equal(await exchange(await token('our-app')), 'issued to our-app');
    // No audience listed at all: refused as before, whatever the party.
    assert.match(await exchange(await token(['their-api'], 'our-app')), /^InvalidIdentityTokenException: .*audience \(`aud`\) is not a client id/);
  });
});
