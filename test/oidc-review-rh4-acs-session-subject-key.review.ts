/**
 * Review rh, 4: a web identity session of an `acs` account carried no `<host/path>:sub` in its requests. Review it, 1
 * made every request of a web identity session carry its token's subject as `<host/path>:sub`, the key AWS documents for
 * the role's permissions policy (per-user prefixes `${server.example.com:sub}`, a Deny on `StringLike <host>:sub
 * *:pull_request`), but derived it only from an `arn:aws:…:oidc-provider/` ARN, reading an `acs:ram::` one as RAM's
 * AssumeRoleWithOIDC. In an `acs` account the provider's ARN is RAM's whichever call opened the session (the answer's
 * `Provider` to AssumeRoleWithWebIdentity included), so there the key was never set: the role's Deny on it never applied
 * (a pull request's token used every right of the role) and a per-subject prefix resolved to nothing. Both dialects are
 * accepted everywhere (DESIGN.md). Now the key is derived from the provider's ARN in either spelling, for sessions opened
 * by either call; as before, it is a fact of the session no context overrides, and is not passed along a chain.
 * Before the fix 2 of 3 tests failed. A real server, an issuer on loopback, AWS SDK v3 and `@alicloud/sts20150401`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import StsModule from '@alicloud/sts20150401';
import OpenApi from '@alicloud/openapi-core';
import { accountAdmin, sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';

// CommonJS modules: their ES default is `module.exports`, whose `default` is the class.
const { default: Sts, AssumeRoleWithOIDCRequest } = StsModule;
const { $OpenApiUtil } = OpenApi;

const ACS = '350000000222';
const ROLE = `acs:ram::${ACS}:role/ci`;
let s: TestServer;
let issuer: OidcIssuer;
let anon: S.STSClient;

before(async () => {
  s = await startTestServer();
  issuer = await startOidcIssuer();
  const iam = s.iam(await accountAdmin(s, ACS, 'acs'));
  const provider = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.aliyuncs.com', 'sts.amazonaws.com'] }))).OpenIDConnectProviderArn ?? '';
  const trust = { Version: '1', Statement: [{ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:AssumeRoleWithWebIdentity'], Principal: { Federated: [provider] } }] };
  await iam.send(new I.CreateRoleCommand({ RoleName: 'ci', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  // Every right, but none to a pull request's token (AWS's documented per-subject key, in the role's permissions policy).
  const rights = {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: '*', Resource: '*' },
      { Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringLike: { [`${issuer.hostPath}:sub`]: 'repo:ml/pull/*' } } },
    ],
  };
  await iam.send(new I.PutRolePolicyCommand({ RoleName: 'ci', PolicyName: 'no-pull-requests', PolicyDocument: JSON.stringify(rights) }));
  anon = new S.STSClient({ endpoint: s.url, region: 'us-east-1', credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 1 });
});

after(async () => {
  anon?.destroy();
  await issuer?.close();
  await s?.stop();
});

const byWebIdentity = async (sub: string): Promise<Credentials> => {
  const c = (await anon.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: ROLE, RoleSessionName: 'ci', WebIdentityToken: await issuer.mint({ sub }) }))).Credentials;
  return { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' };
};
const byOidc = async (sub: string): Promise<Credentials> => {
  const client = new Sts(new $OpenApiUtil.Config({ endpoint: new URL(s.url).host, protocol: 'http', regionId: 'cn-hangzhou', readTimeout: 10_000, connectTimeout: 5_000 }));
  const c = (await client.assumeRoleWithOIDC(new AssumeRoleWithOIDCRequest({ OIDCProviderArn: `acs:ram::${ACS}:oidc-provider/${issuer.hostPath}`, roleArn: ROLE, roleSessionName: 'ci', OIDCToken: await issuer.mint({ sub, aud: 'sts.aliyuncs.com' }) }))).body?.credentials;
  return { accessKeyId: c?.accessKeyId ?? '', secretAccessKey: c?.accessKeySecret ?? '', sessionToken: c?.securityToken ?? '' };
};

test('rh4: an acs session from AssumeRoleWithWebIdentity is refused by the role’s Deny on <host>:sub', async () => {
  const refused = await sdkFailure(s.iam(await byWebIdentity('repo:ml/pull/7')).send(new I.ListUsersCommand({})));
  assert.equal(refused.code, 'AccessDenied', refused.message);
});

test('rh4: an acs session from AssumeRoleWithOIDC is refused by it too', async () => {
  const refused = await sdkFailure(s.iam(await byOidc('repo:ml/pull/8')).send(new I.ListUsersCommand({})));
  assert.equal(refused.code, 'AccessDenied', refused.message);
});

test('rh4: a session of another subject keeps the role’s rights, through either call', async () => {
  for (const open of [byWebIdentity, byOidc]) {
    const listed = await s.iam(await open('repo:ml/ref/main')).send(new I.ListUsersCommand({}));
    assert.ok(Array.isArray(listed.Users));
  }
});
