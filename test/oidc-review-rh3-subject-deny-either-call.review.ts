/**
 * Review rh, 3: a role that both web identity calls may assume (its trust policy allowing the provider
 * `sts:AssumeRoleWithWebIdentity` and `sts:AssumeRole`, as AWS's and RAM's documentation write it) was decided through
 * each call with that call's condition keys only: AssumeRoleWithWebIdentity gave IAM's `<host/path>:sub` (`:aud`…),
 * AssumeRoleWithOIDC RAM's `oidc:sub` (`oidc:iss`, `oidc:aud`). So a trust-policy Deny on the token's subject written
 * with one family (`StringLike 127.0.0.1:PORT:sub repo:ml/*`, or `oidc:sub`) never applied through the other call, whose
 * context lacked the key, and that call issued the very session the Deny refuses: a pull request's or another
 * namespace's token kept out of the role by AWS's call got in by RAM's, and the other way round. Both dialects are
 * accepted everywhere (DESIGN.md), and a Deny written for one must hold whichever door the token comes through. Now
 * both calls give both families (the same values: the token's subject, its issuer, its audiences the provider lists).
 * Before the fix 2 of 3 tests failed. A real server, an issuer on loopback, AWS SDK v3 and `@alicloud/sts20150401`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import StsModule from '@alicloud/sts20150401';
import OpenApi from '@alicloud/openapi-core';
import { accountAdmin, sdkFailure, startTestServer, type TestServer } from './support/server.ts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';

// CommonJS modules: their ES default is `module.exports`, whose `default` is the class.
const { default: Sts, AssumeRoleWithOIDCRequest } = StsModule;
const { $OpenApiUtil } = OpenApi;

const ACS = '350000000221';
const BOTH = ['sts:AssumeRole', 'sts:AssumeRoleWithWebIdentity'];
let s: TestServer;
let issuer: OidcIssuer;
let anon: S.STSClient;
let iam: I.IAMClient;
let provider = '';

before(async () => {
  s = await startTestServer();
  issuer = await startOidcIssuer();
  iam = s.iam(await accountAdmin(s, ACS, 'acs'));
  provider = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.aliyuncs.com', 'sts.amazonaws.com'] }))).OpenIDConnectProviderArn ?? '';
  anon = new S.STSClient({ endpoint: s.url, region: 'us-east-1', credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 1 });
});

after(async () => {
  anon?.destroy();
  await issuer?.close();
  await s?.stop();
});

/** Role `name` of the account: the provider's tokens may assume it by either call, but those whose subject `key` is like `repo:ml/*`. */
async function guardedRole(name: string, key: string): Promise<string> {
  const trust = {
    Version: '1',
    Statement: [
      { Effect: 'Allow', Action: BOTH, Principal: { Federated: [provider] } },
      { Effect: 'Deny', Action: BOTH, Principal: { Federated: [provider] }, Condition: { StringLike: { [key]: 'repo:ml/*' } } },
    ],
  };
  await iam.send(new I.CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust) }));
  return `acs:ram::${ACS}:role/${name}`;
}

const byOidc = async (roleArn: string, sub: string) => {
  const client = new Sts(new $OpenApiUtil.Config({ endpoint: new URL(s.url).host, protocol: 'http', regionId: 'cn-hangzhou', readTimeout: 10_000, connectTimeout: 5_000 }));
  return client.assumeRoleWithOIDC(new AssumeRoleWithOIDCRequest({ OIDCProviderArn: provider, roleArn, roleSessionName: 'pod', OIDCToken: await issuer.mint({ sub, aud: 'sts.aliyuncs.com' }) }));
};
const byWebIdentity = async (roleArn: string, sub: string) => anon.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'pod', WebIdentityToken: await issuer.mint({ sub }) }));

const refusedByOidc = (e: { code?: string }) => {
  assert.equal(e.code, 'AuthenticationFail.NoPermission');
  return true;
};

test('rh3: a Deny on IAM’s <host>:sub refuses the subject through AssumeRoleWithOIDC too', async () => {
  const role = await guardedRole('by-iam-key', `${issuer.hostPath}:sub`);
  assert.equal((await sdkFailure(byWebIdentity(role, 'repo:ml/pr-7'))).code, 'AccessDenied');
  await assert.rejects(byOidc(role, 'repo:ml/pr-7'), refusedByOidc);
});

test('rh3: a Deny on RAM’s oidc:sub refuses the subject through AssumeRoleWithWebIdentity too', async () => {
  const role = await guardedRole('by-ram-key', 'oidc:sub');
  await assert.rejects(byOidc(role, 'repo:ml/pr-7'), refusedByOidc);
  assert.equal((await sdkFailure(byWebIdentity(role, 'repo:ml/pr-7'))).code, 'AccessDenied');
});

test('rh3: another subject is still let in through both calls', async () => {
  for (const key of [`${issuer.hostPath}:sub`, 'oidc:sub']) {
    const role = `acs:ram::${ACS}:role/${key === 'oidc:sub' ? 'by-ram-key' : 'by-iam-key'}`;
    assert.equal((await byOidc(role, 'repo:infra/main')).body?.assumedRoleUser?.arn, `${role}/pod`);
    assert.equal((await byWebIdentity(role, 'repo:infra/main')).AssumedRoleUser?.Arn, `${role}/pod`);
  }
});
