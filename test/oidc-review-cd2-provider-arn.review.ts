/**
 * Review cd, finding 2: AssumeRoleWithWebIdentity's `Provider` is the ARN of the IAM OIDC provider that verified the
 * token, as AWS STS answers it for an OpenID Connect provider registered in IAM (observed answers, e.g. EKS IRSA:
 * `"Provider": "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/D43C…"`, SPIRE's
 * federation guide: `"Provider": "arn:aws:iam::012345678901:oidc-provider/spire-oidc.example.org"`). Gatehouse
 * answered the token's `iss` (`http://127.0.0.1:<port>`), which is not what a script comparing `Provider` with the
 * provider ARN it registered (or a Federated principal it wrote) reads from AWS.
 *
 * A real server, the real `@aws-sdk/client-sts` (unsigned) and `fromTokenFile` (the SDK's web identity provider, as
 * AWS_WEB_IDENTITY_TOKEN_FILE drives it), and an issuer on loopback.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { fromTokenFile } from '@aws-sdk/credential-provider-web-identity';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { REGION, startTestServer, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let server: TestServer;
let issuer: OidcIssuer;
let sts: S.STSClient;
let providerArn = '';
let dir = '';

before(async () => {
  issuer = await startOidcIssuer();
  server = await startTestServer();
  const iam = server.iam();
  providerArn = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn ?? '';
  await iam.send(new I.CreateRoleCommand({ RoleName: 'wi', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Federated: providerArn }, Action: 'sts:AssumeRoleWithWebIdentity' }) }));
  sts = new S.STSClient({ endpoint: server.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
  dir = await mkdtemp(join(tmpdir(), 'gh-cd2-'));
});

after(async () => {
  sts?.destroy();
  await issuer?.close();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('cd2: the Provider of AssumeRoleWithWebIdentity', () => {
  it('is the ARN of the IAM OIDC provider, not the token’s iss', async () => {
    const r = await sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/wi`, RoleSessionName: 'cd2', WebIdentityToken: await issuer.mint() }));
    assert.equal(providerArn, `arn:aws:iam::${ACCT}:oidc-provider/${issuer.hostPath}`);
    assert.equal(r.Provider, providerArn);
    assert.equal(r.SubjectFromWebIdentityToken, 'repo:ml/train');
    assert.equal(r.Audience, 'sts.amazonaws.com');
  });

  it('the SDK’s fromTokenFile gets working credentials end to end', async () => {
    const file = join(dir, 'token');
    await writeFile(file, await issuer.mint());
    const creds = await fromTokenFile({ webIdentityTokenFile: file, roleArn: `arn:aws:iam::${ACCT}:role/wi`, roleSessionName: 'cd2-file', clientConfig: { endpoint: server.url, region: REGION } })();
    assert.ok(creds.accessKeyId.startsWith('ASIA') && creds.expiration instanceof Date);
    const who = await server.sts({ accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken ?? '' }).send(new S.GetCallerIdentityCommand({}));
    assert.equal(who.Arn, `arn:aws:sts::${ACCT}:assumed-role/wi/cd2-file`);
  });
});
