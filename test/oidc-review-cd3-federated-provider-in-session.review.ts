/**
 * Review cd, finding 3: a session opened by AssumeRoleWithWebIdentity carries `aws:FederatedProvider` (the IAM OIDC
 * provider's ARN) in every request it makes, as in AWS (IAM User Guide, global condition keys, aws:FederatedProvider:
 * present in the role session of a role assumed through an OIDC provider). Gatehouse set the key only in the trust
 * policy's decision of the exchange itself: in the session's own requests it was absent, so an identity policy
 * `Allow … StringEquals aws:FederatedProvider <provider ARN>` never allowed, and a role trusting its account root for
 * `sts:AssumeRole` on that condition (the pattern of pinning a chain to the IdP it started from) refused the session.
 * A session assumed from it (role chaining) carries no such key, as AWS does not pass it on.
 *
 * A real server, the real `@aws-sdk/client-sts` and `@aws-sdk/client-iam`, an issuer on loopback.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let server: TestServer;
let issuer: OidcIssuer;
let providerArn = '';
let session: Credentials;

const outcome = (p: Promise<unknown>): Promise<string> => p.then(() => 'allowed', (e: Error) => e.name);

before(async () => {
  issuer = await startOidcIssuer();
  server = await startTestServer();
  const iam = server.iam();
  providerArn = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn ?? '';
  const fromProvider = { StringEquals: { 'aws:FederatedProvider': providerArn } };
  await iam.send(new I.CreateRoleCommand({ RoleName: 'wi', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Federated: providerArn }, Action: 'sts:AssumeRoleWithWebIdentity' }) }));
  await iam.send(
    new I.PutRolePolicyCommand({
      RoleName: 'wi',
      PolicyName: 'p',
      PolicyDocument: doc({ Effect: 'Allow', Action: 'iam:ListRoles', Resource: '*', Condition: fromProvider }, { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${ACCT}:role/next` }),
    }),
  );
  await iam.send(new I.CreateRoleCommand({ RoleName: 'next', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole', Condition: fromProvider }) }));
  await iam.send(new I.PutRolePolicyCommand({ RoleName: 'next', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: ['iam:ListRoles', 'sts:AssumeRole'], Resource: '*', Condition: fromProvider }) }));
  const sts = new S.STSClient({ endpoint: server.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
  const r = await sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/wi`, RoleSessionName: 'cd3', WebIdentityToken: await issuer.mint() }));
  sts.destroy();
  session = { accessKeyId: r.Credentials?.AccessKeyId ?? '', secretAccessKey: r.Credentials?.SecretAccessKey ?? '', sessionToken: r.Credentials?.SessionToken ?? '' };
});

after(async () => {
  await issuer?.close();
  await server?.stop();
});

describe('cd3: aws:FederatedProvider in a web identity session’s requests', () => {
  it('an identity policy conditioned on it allows the session', async () => {
    assert.equal(await outcome(server.iam(session).send(new I.ListRolesCommand({}))), 'allowed');
  });

  it('a role trusting the account on it can be assumed from the session; the chained session does not carry it', async () => {
    const r = await server.sts(session).send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/next`, RoleSessionName: 'chained' }));
    const chained = { accessKeyId: r.Credentials?.AccessKeyId ?? '', secretAccessKey: r.Credentials?.SecretAccessKey ?? '', sessionToken: r.Credentials?.SessionToken ?? '' };
    assert.equal(await outcome(server.iam(chained).send(new I.ListRolesCommand({}))), 'AccessDenied');
  });

  it('a long-term key has no such key', async () => {
    const admin = server.iam();
    await admin.send(new I.CreateUserCommand({ UserName: 'u' }));
    await admin.send(new I.PutUserPolicyCommand({ UserName: 'u', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 'iam:ListRoles', Resource: '*', Condition: { StringEquals: { 'aws:FederatedProvider': providerArn } } }) }));
    const k = (await admin.send(new I.CreateAccessKeyCommand({ UserName: 'u' }))).AccessKey;
    assert.equal(await outcome(server.iam({ accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' }).send(new I.ListRolesCommand({}))), 'AccessDenied');
  });
});
