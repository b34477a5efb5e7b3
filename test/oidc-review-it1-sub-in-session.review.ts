/**
 * Review it, 1: a web identity session's requests did not carry its provider's `<host/path>:sub`, so a role's
 * permissions policy could neither scope by it nor deny by it. AWS documents the key for exactly that ("Identifying
 * users with web identity federation", IAM User Guide): per-user prefixes such as
 * `arn:aws:s3:::bucket/${token.actions.githubusercontent.com:sub}/*` in the role's permissions policy, and "for OIDC
 * providers, the fully qualified URL of the OIDC provider with the subcontext key" (`server.example.com:sub`).
 * Gatehouse read the key in the trust policy only (the exchange's own context): in every later request of the session
 * it was absent, so an Allow on `${<provider>:sub}` resolved to nothing (the session was refused its own prefix), and,
 * worse, a Deny on it never applied: `Deny … StringLike <provider>:sub "*:pull_request"` in the role's policy, meant to
 * keep pull-request CI runs off the production data, let them through. Now the session's requests carry
 * `<host/path>:sub` (the token's subject, which the session keeps), as its `aws:FederatedProvider`; a session assumed
 * from it does not, as it does not carry `aws:FederatedProvider` (AWS passes neither along a chain).
 * Before the fix 2 of 4 tests failed. A real server, the real `@aws-sdk/client-sts` (AssumeRoleWithWebIdentity,
 * unsigned; AssumeRole), an issuer on loopback, and the authorize API signed with the session's credentials.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { authorizeDecision } from './support/authorize-api.ts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let server: TestServer;
let issuer: OidcIssuer;
let sts: S.STSClient;

before(async () => {
  issuer = await startOidcIssuer();
  server = await startTestServer();
  const iam = server.iam();
  const provider = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn;
  const sub = `${issuer.hostPath}:sub`;
  await iam.send(new I.CreateRoleCommand({ RoleName: 'ci', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity' }) }));
  await iam.send(new I.PutRolePolicyCommand({
    RoleName: 'ci',
    PolicyName: 'per-subject',
    PolicyDocument: doc(
      { Sid: 'OwnPrefix', Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::data/\${${sub}}/*` },
      { Sid: 'Shared', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::shared/*' },
      { Sid: 'NoPullRequests', Effect: 'Deny', Action: 's3:PutObject', Resource: '*', Condition: { StringLike: { [sub]: '*:pull_request' } } },
      { Sid: 'Chain', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' },
    ),
  }));
  // The role a session of `ci` chains into: the same Deny, which a chained session no longer meets.
  await iam.send(new I.CreateRoleCommand({ RoleName: 'next', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:role/ci` }, Action: 'sts:AssumeRole' }) }));
  await iam.send(new I.PutRolePolicyCommand({
    RoleName: 'next',
    PolicyName: 'p',
    PolicyDocument: doc(
      { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::shared/*' },
      { Effect: 'Deny', Action: 's3:PutObject', Resource: '*', Condition: { StringLike: { [sub]: '*:pull_request' } } },
    ),
  }));
  sts = new S.STSClient({ endpoint: server.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
});

after(async () => {
  sts?.destroy();
  await issuer?.close();
  await server?.stop();
});

const creds = (c: S.Credentials | undefined): Credentials => ({ accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' });

async function sessionOf(sub: string): Promise<Credentials> {
  const r = await sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/ci`, RoleSessionName: 'it1', WebIdentityToken: await issuer.mint({ sub }) }));
  assert.equal(r.SubjectFromWebIdentityToken, sub);
  return creds(r.Credentials);
}

const decide = (as: Credentials, action: string, resource: string) => authorizeDecision(server, { action, resource }, as);

test('it1: `${<provider>:sub}` in the role\'s permissions policy is the session\'s subject', async () => {
  const s = await sessionOf('repo:ml/train:ref:refs/heads/main');
  assert.equal(await decide(s, 's3:GetObject', 'arn:aws:s3:::data/repo:ml/train:ref:refs/heads/main/model.bin'), 'Allow');
  assert.equal(await decide(s, 's3:GetObject', 'arn:aws:s3:::data/repo:ml/other:ref:refs/heads/main/model.bin'), 'ImplicitDeny');
});

test('it1: a Deny on `<provider>:sub` in the role\'s permissions policy applies to the session', async () => {
  const pr = await sessionOf('repo:ml/train:pull_request');
  assert.equal(await decide(pr, 's3:GetObject', 'arn:aws:s3:::shared/weights.bin'), 'Allow');
  assert.equal(await decide(pr, 's3:PutObject', 'arn:aws:s3:::shared/weights.bin'), 'ExplicitDeny');
  // A fact of the session: the question's context does not override it.
  const context = { [`${issuer.hostPath}:sub`]: 'repo:ml/train:ref:refs/heads/main' };
  assert.equal(await authorizeDecision(server, { action: 's3:PutObject', resource: 'arn:aws:s3:::shared/weights.bin', context }, pr), 'ExplicitDeny');
});

test('it1: a session of another subject is not denied', async () => {
  const main = await sessionOf('repo:ml/train:ref:refs/heads/main');
  assert.equal(await decide(main, 's3:PutObject', 'arn:aws:s3:::shared/weights.bin'), 'Allow');
});

test('it1: a session chained from a web identity session does not carry the key', async () => {
  const pr = await sessionOf('repo:ml/train:pull_request');
  const next = await server.sts(pr).send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/next`, RoleSessionName: 'hop' }));
  assert.equal(await decide(creds(next.Credentials), 's3:PutObject', 'arn:aws:s3:::shared/weights.bin'), 'Allow');
});
