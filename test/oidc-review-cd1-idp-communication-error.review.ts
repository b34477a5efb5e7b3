/**
 * Review cd, finding 1: a token that cannot be verified because the issuer's keys cannot be read is refused
 * `IDPCommunicationError` (HTTP 400), as AWS STS answers it ("Couldn't retrieve verification key from your identity
 * provider"; credential-protocols §5.4: the SDK's modeled `IDPCommunicationErrorException`, which both SDK v3 — its
 * `$retryable` trait — and botocore — `_retry.json`, `idp_unreachable_error` — retry). Gatehouse answered 503
 * `ServiceUnavailable` when the set was past its lifetime, a code STS never gives for this call, so a caller catching
 * `IDPCommunicationErrorException` missed it; and a token naming a key the set lacks (the issuer rotated) while the
 * issuer could not be reached was refused `InvalidIdentityToken`, which no SDK retries, as if the token were forged.
 *
 * A real server, the real `@aws-sdk/client-sts` (unsigned), and an issuer on loopback whose JWKS lives 5 s.
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
let sts: S.STSClient;

async function exchange(t: string): Promise<string> {
  try {
    await sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/wi`, RoleSessionName: 'cd1', WebIdentityToken: t }));
    return 'issued';
  } catch (e) {
    return `${(e as Error).name} ${String((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode)} retryable=${String((e as { $retryable?: unknown }).$retryable !== undefined)}: ${(e as Error).message}`;
  }
}

before(async () => {
  issuer = await startOidcIssuer({ keys: { k1: 'ES256', k2: 'ES256' }, maxAge: 1 });
  issuer.withdraw('k2');
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

describe('cd1: the issuer’s keys cannot be read', () => {
  it('a token naming a key the set lacks, the issuer down: IDPCommunicationError 400, retryable', async () => {
    assert.equal(await exchange(await issuer.mint({}, { signWith: 'k1' })), 'issued');
    await issuer.close();
    const r = await exchange(await issuer.mint({}, { signWith: 'k2' }));
    assert.match(r, /^IDPCommunicationErrorException 400 retryable=true: Couldn't retrieve verification key from your identity provider/, r);
    // A token of a key the set holds is still verified against it while the set is within its lifetime.
    assert.equal(await exchange(await issuer.mint({}, { signWith: 'k1' })), 'issued');
  });

  it('the set past its lifetime, the issuer down: IDPCommunicationError 400, retryable, not 503 ServiceUnavailable', async () => {
    await sleep(LIFETIME_MS + 300);
    const r = await exchange(await issuer.mint({}, { signWith: 'k1' }));
    assert.match(r, /^IDPCommunicationErrorException 400 retryable=true: Couldn't retrieve verification key from your identity provider.*past their lifetime/, r);
  });
});
