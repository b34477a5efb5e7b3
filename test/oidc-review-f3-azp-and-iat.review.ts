/**
 * Review F, F3: ID tokens' `azp` and `iat` in AssumeRoleWithWebIdentity.
 *
 * `azp`: a token with several audiences was taken for any of them the provider lists, whoever it was issued to: the
 * authorized party (`azp`) was read nowhere, and `<provider>:aud` in the trust policy was the first listed audience.
 * OpenID Connect Core §3.1.3.7 asks the relying party to check `azp` against its client id; AWS STS does it through
 * the trust policy: when the token has `azp`, the `<provider>:aud` key is its `azp` and `<provider>:oaud` its `aud`
 * (IAM User Guide, "Available keys for OIDC federation"). Gatehouse now does the same, so the usual trust condition
 * `StringEquals <provider>:aud = <client id>` refuses a token presented by another party, and `:oaud` names its
 * audiences. A token without `azp` is decided as before.
 *
 * `iat`: a token issued an hour in the future (its `exp` later still) was accepted; only `exp` and `nbf` were checked.
 * Now an `iat` more than the allowed skew (30 s) ahead of the server's clock is refused `InvalidIdentityToken`, saying
 * so; within the skew it is accepted.
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

const token = (opts: { aud?: string | string[]; azp?: string; iatIn?: number } = {}): Promise<string> =>
  issuer.mint({ sub: 'user-1', aud: opts.aud ?? 'app-client', ...(opts.azp !== undefined ? { azp: opts.azp } : {}) }, { iatIn: opts.iatIn ?? -60, expIn: 7200 });

async function exchange(t: string, role = 'app'): Promise<string> {
  try {
    const r = await sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/${role}`, RoleSessionName: 'f3', WebIdentityToken: t }));
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
  const arn = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: url, ClientIDList: ['app-client', 'reporting-api'] }))).OpenIDConnectProviderArn;
  // The trust policy the IAM console writes: the provider, and `:aud` the client id.
  await iam.send(new I.CreateRoleCommand({ RoleName: 'app', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Federated: arn }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${hostPath}:aud`]: 'app-client' } } }) }));
  // A role for tokens whose other audience is the reporting API.
  await iam.send(new I.CreateRoleCommand({ RoleName: 'reports', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Federated: arn }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${hostPath}:oaud`]: 'reporting-api' } } }) }));
  sts = new S.STSClient({ endpoint: server.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
});

after(async () => {
  sts?.destroy();
  await issuer?.close();
  await server?.stop();
});

describe('F3: azp and iat of web identity tokens', () => {
  it('azp: `:aud` is the authorized party when the token names one, `:oaud` its audiences', async () => {
    // As before: one audience, no azp.
    assert.equal(await exchange(await token()), 'issued to app-client');
    // Several audiences, presented by the client the trust policy names.
    assert.equal(await exchange(await token({ aud: ['reporting-api', 'app-client'], azp: 'app-client' })), 'issued to app-client');
    // Several audiences, presented by another party: the trust policy's `:aud` is not met.
    assert.match(await exchange(await token({ aud: ['app-client', 'reporting-api'], azp: 'reporting-api' })), /^AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity/);
    // Several audiences, no azp: decided on the audience the provider lists, as before.
    assert.equal(await exchange(await token({ aud: ['app-client', 'reporting-api'] })), 'issued to app-client');
    // `:oaud` holds the token's audiences when it has azp.
    assert.equal(await exchange(await token({ aud: ['app-client', 'reporting-api'], azp: 'app-client' }), 'reports'), 'issued to app-client');
    assert.match(await exchange(await token({ aud: ['app-client'], azp: 'app-client' }), 'reports'), /^AccessDenied: /);
    // An audience the provider does not list is refused whatever azp says.
    assert.match(await exchange(await token({ aud: ['other'], azp: 'app-client' })), /^InvalidIdentityTokenException: .*audience/);
  });

  it('iat: a token issued in the future beyond the skew is refused; within it, accepted', async () => {
    const refused = await exchange(await token({ iatIn: 3600 }));
    assert.match(refused, /^InvalidIdentityTokenException: The web identity token is invalid: it was issued in the future \(`iat` is 3\d{3} s ahead of this server's clock, more than the 30 s allowed\)/);
    assert.equal(await exchange(await token({ iatIn: 20 })), 'issued to app-client');
  });
});
