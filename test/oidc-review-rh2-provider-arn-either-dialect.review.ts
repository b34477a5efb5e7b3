/**
 * Review rh, 2: an OIDC provider's ARN spelled in the other dialect named no provider. CreateRole takes a trust policy
 * whose `Federated` names a provider either way (`arn:aws:iam::A:oidc-provider/H` or RAM's `acs:ram::A:oidc-provider/H`,
 * src/core/iam/parse.ts), and both dialects are accepted everywhere (DESIGN.md, "Names and formats"), but the exchange
 * compared the ARN literally with the provider's own (the account's dialect): in an `acs` account, a role whose trust
 * policy was copied from AWS's IRSA documentation (`arn:aws:iam::<account>:oidc-provider/…`) was created and then refused
 * every token, through AssumeRoleWithOIDC and AssumeRoleWithWebIdentity alike; a Deny guarding the provider on
 * `aws:FederatedProvider` in the other spelling never applied (its Allow let every token of the provider in); and
 * AssumeRoleWithOIDC naming the provider in AWS's spelling was "No such OIDC Provider registered". Now a provider's ARN
 * in either spelling names it, as a user's or role's ARN does (policy review qe, 1): in `Federated`, in a condition on
 * `aws:FederatedProvider` (a positive operator holds when either spelling matches, a negated one when neither does),
 * and as AssumeRoleWithOIDC's `OIDCProviderArn`. The session still names the provider in its account's spelling.
 * Before the fix 3 of 3 tests failed. A real server, an issuer on loopback, AWS SDK v3 and `@alicloud/sts20150401`.
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

const ACS = '350000000219';
const AWS = '350000000220';
let s: TestServer;
let issuer: OidcIssuer;
let anon: S.STSClient;
let acsIam: I.IAMClient;
let awsIam: I.IAMClient;
let acsProvider = '';
let awsProvider = '';

before(async () => {
  s = await startTestServer();
  issuer = await startOidcIssuer();
  acsIam = s.iam(await accountAdmin(s, ACS, 'acs'));
  awsIam = s.iam(await accountAdmin(s, AWS, 'aws'));
  acsProvider = (await acsIam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.aliyuncs.com', 'sts.amazonaws.com'] }))).OpenIDConnectProviderArn ?? '';
  awsProvider = (await awsIam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn ?? '';
  anon = new S.STSClient({ endpoint: s.url, region: 'us-east-1', credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 1 });
});

after(async () => {
  anon?.destroy();
  await issuer?.close();
  await s?.stop();
});

const aws = (arn: string): string => arn.replace(/^acs:ram::/, 'arn:aws:iam::');
const ram = (arn: string): string => arn.replace(/^arn:aws:iam::/, 'acs:ram::');
const alibaba = () => new Sts(new $OpenApiUtil.Config({ endpoint: new URL(s.url).host, protocol: 'http', regionId: 'cn-hangzhou', readTimeout: 10_000, connectTimeout: 5_000 }));

test('rh2: an acs role trusting its provider by the AWS spelling takes its tokens, through both STS APIs', async () => {
  assert.match(acsProvider, /^acs:ram::/);
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['sts:AssumeRoleWithWebIdentity', 'sts:AssumeRole'], Principal: { Federated: aws(acsProvider) } }] };
  await acsIam.send(new I.CreateRoleCommand({ RoleName: 'irsa', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  const byOidc = await alibaba().assumeRoleWithOIDC(new AssumeRoleWithOIDCRequest({ OIDCProviderArn: acsProvider, roleArn: `acs:ram::${ACS}:role/irsa`, roleSessionName: 'pod', OIDCToken: await issuer.mint({ aud: 'sts.aliyuncs.com' }) }));
  assert.equal(byOidc.body?.assumedRoleUser?.arn, `acs:ram::${ACS}:role/irsa/pod`);
  const byToken = await anon.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `acs:ram::${ACS}:role/irsa`, RoleSessionName: 'pod', WebIdentityToken: await issuer.mint({}) }));
  assert.equal(byToken.Provider, acsProvider, 'the session names the provider as its account spells it');
});

test('rh2: AssumeRoleWithOIDC names the provider by its ARN in the AWS spelling too', async () => {
  const trust = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Federated: [acsProvider] } }] };
  await acsIam.send(new I.CreateRoleCommand({ RoleName: 'rrsa', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  const r = await alibaba().assumeRoleWithOIDC(new AssumeRoleWithOIDCRequest({ OIDCProviderArn: aws(acsProvider), roleArn: `acs:ram::${ACS}:role/rrsa`, roleSessionName: 'pod', OIDCToken: await issuer.mint({ aud: 'sts.aliyuncs.com' }) }));
  assert.equal(r.body?.assumedRoleUser?.arn, `acs:ram::${ACS}:role/rrsa/pod`);
});

test('rh2: a Deny on aws:FederatedProvider in the other spelling applies, and an Allow by it lets in', async () => {
  assert.match(awsProvider, /^arn:aws:iam::/);
  const guarded = {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'sts:AssumeRoleWithWebIdentity', Principal: { Federated: awsProvider } },
      { Effect: 'Deny', Action: 'sts:AssumeRoleWithWebIdentity', Principal: { Federated: '*' }, Condition: { StringEquals: { 'aws:FederatedProvider': ram(awsProvider) } } },
    ],
  };
  await awsIam.send(new I.CreateRoleCommand({ RoleName: 'guarded', AssumeRolePolicyDocument: JSON.stringify(guarded) }));
  const refused = await sdkFailure(anon.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${AWS}:role/guarded`, RoleSessionName: 'ci', WebIdentityToken: await issuer.mint({}) })));
  assert.equal(refused.code, 'AccessDenied', refused.message);
  const open = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRoleWithWebIdentity', Principal: { Federated: awsProvider }, Condition: { StringEquals: { 'aws:FederatedProvider': ram(awsProvider) } } }] };
  await awsIam.send(new I.CreateRoleCommand({ RoleName: 'open', AssumeRolePolicyDocument: JSON.stringify(open) }));
  const r = await anon.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${AWS}:role/open`, RoleSessionName: 'ci', WebIdentityToken: await issuer.mint({}) }));
  assert.equal(r.Provider, awsProvider);
});
