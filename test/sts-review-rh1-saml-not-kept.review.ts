/**
 * Review rh, 1: AssumeRoleWithSAML, the one action of Alibaba Cloud STS (Version 2015-04-01: AssumeRole,
 * AssumeRoleWithOIDC, AssumeRoleWithSAML, GetCallerIdentity, the operations of `@alicloud/sts20150401`) this server does
 * not answer, was refused 404 `InvalidAction.NotFound` "… for the rest use the AWS STS Query API (Version 2011-06-15)":
 * it sent a RAM user federating by SAML to the AWS API, whose AssumeRoleWithSAML is no more served ("Could not find
 * operation AssumeRoleWithSAML for version 2011-06-15", the words of an operation that does not exist, as if the
 * client were at fault). Every other unknown Alibaba action got the same pointer to AWS STS, whether or not AWS STS has
 * it, and the action asked was not named. Gatehouse keeps no SAML providers (IAM's CreateSAMLProvider says so and points
 * at OpenID Connect, review kk): now both STS APIs say that of AssumeRoleWithSAML and name the OIDC way (AssumeRoleWithOIDC
 * or AssumeRoleWithWebIdentity); the Alibaba answer names the action asked and points at the AWS STS Query API only for
 * an action that API serves. Codes and statuses are unchanged (Alibaba's `InvalidAction.NotFound` 404, AWS's
 * `InvalidAction` 400). Contract: STYLE.md (error messages say what to do next), DESIGN.md (both dialects accepted
 * everywhere), the Alibaba STS API's operations as its SDK lists them.
 * Before the fix 3 of 3 tests failed. A real server, `@alicloud/sts20150401` (anonymous AssumeRoleWithSAML), AWS SDK v3.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as S from '@aws-sdk/client-sts';
import StsModule from '@alicloud/sts20150401';
import OpenApi from '@alicloud/openapi-core';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

// CommonJS modules: their ES default is `module.exports`, whose `default` is the class.
const { default: Sts, AssumeRoleWithSAMLRequest } = StsModule;
const { $OpenApiUtil } = OpenApi;

const ACS = '350000000218';
let s: TestServer;

before(async () => {
  s = await startTestServer();
});

after(async () => {
  await s?.stop();
});

/** An Alibaba STS request sent unsigned, as a JSON answer. */
async function alibaba(action: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${s.url}/?Action=${action}&Version=2015-04-01&Format=JSON`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

test('rh1: Alibaba AssumeRoleWithSAML says no SAML provider is kept and names AssumeRoleWithOIDC, not AWS STS', async () => {
  const client = new Sts(new $OpenApiUtil.Config({ endpoint: new URL(s.url).host, protocol: 'http', regionId: 'cn-hangzhou', readTimeout: 10_000, connectTimeout: 5_000 }));
  const request = new AssumeRoleWithSAMLRequest({ SAMLProviderArn: `acs:ram::${ACS}:saml-provider/idp`, SAMLAssertion: 'PHNhbWw+PC9zYW1sPg==', roleArn: `acs:ram::${ACS}:role/sso` });
  await assert.rejects(client.assumeRoleWithSAML(request), (e: { code?: string; statusCode?: number; data?: { Message?: string } }) => {
    assert.equal(e.code, 'InvalidAction.NotFound');
    assert.equal(e.statusCode, 404);
    const message = e.data?.Message ?? '';
    assert.match(message, /AssumeRoleWithSAML/);
    assert.match(message, /no SAML/);
    assert.match(message, /AssumeRoleWithOIDC/);
    assert.doesNotMatch(message, /AWS STS/);
    return true;
  });
});

test('rh1: another unknown Alibaba action is named, and sent to the AWS STS Query API only when that API serves it', async () => {
  const made = await alibaba('MakeMeAdmin');
  assert.equal(made.status, 404);
  assert.equal(made.body['Code'], 'InvalidAction.NotFound');
  assert.match(String(made.body['Message']), /not `MakeMeAdmin`/);
  assert.doesNotMatch(String(made.body['Message']), /AWS STS/);
  const federation = await alibaba('GetFederationToken');
  assert.equal(federation.status, 404);
  assert.equal(federation.body['Code'], 'InvalidAction.NotFound');
  assert.match(String(federation.body['Message']), /`GetFederationToken` is an operation of the AWS STS Query API \(Version 2011-06-15\)/);
});

test('rh1: AWS STS AssumeRoleWithSAML is InvalidAction saying no SAML provider is kept, naming AssumeRoleWithWebIdentity', async () => {
  const anon = new S.STSClient({ endpoint: s.url, region: 'us-east-1', credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 1 });
  try {
    const refused = await sdkFailure(anon.send(new S.AssumeRoleWithSAMLCommand({ RoleArn: 'arn:aws:iam::000000000000:role/sso', PrincipalArn: 'arn:aws:iam::000000000000:saml-provider/idp', SAMLAssertion: 'PHNhbWw+PC9zYW1sPg==' })));
    assert.equal(refused.code, 'InvalidAction', refused.message);
    assert.equal(refused.status, 400);
    assert.match(refused.message, /no SAML/);
    assert.match(refused.message, /AssumeRoleWithWebIdentity/);
  } finally {
    anon.destroy();
  }
});
