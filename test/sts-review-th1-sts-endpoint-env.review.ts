/**
 * Review th, 1: the README said `stsEndpoint` in code was "the only way" to point an Alibaba client at Gatehouse's
 * AssumeRoleWithOIDC. That holds for `@alicloud/credentials` 2.4.7 (credential-protocols §4.3: its OIDC provider reads
 * `ALIBABA_CLOUD_STS_REGION` and `ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED`, no host), but not for the Alibaba clients an
 * ACK RRSA pod runs besides it: ACK's pod-identity webhook (0.4.0 and later, `AutoInjectSTSEnvVars`, on by default)
 * injects `ALIBABA_CLOUD_STS_ENDPOINT` (`sts-vpc.<region>.aliyuncs.com`) into every pod it mutates, and the aliyun CLI
 * (aliyun/aliyun-cli config/profile_test.go, `TestOverwriteWithFlagsStsEndpointEnv`, OIDC mode with that host) and
 * ack-ram-tool's credential provider (AliyunContainerService/ack-ram-tool pkg/credentials/provider/env.go,
 * `ALIBABA_CLOUD_STS_ENDPOINT`, `ALIBABA_CLOUD_STS_HTTP_SCHEME`; oidc_provider.go takes an `http://` prefix as HTTP)
 * take their STS host from it. A reader told there was no other way would not set it, and such a pod's CLI and tools
 * asked Alibaba's STS with the webhook's value. The README now names the variable, who reads it, and that the webhook's
 * value must be replaced with Gatehouse's host.
 *
 * Besides the README's words, the test holds what they rest on: the installed `@alicloud/credentials` still reads no
 * such variable, and Gatehouse answers AssumeRoleWithOIDC as ack-ram-tool sends it (POST, `Action`, `Format`,
 * `Version`, `Timestamp`, `SignatureNonce` and `RoleSessionName` in the query, the role, provider and token in the
 * form body) over plain HTTP, the scheme it uses for an `http://` endpoint. A real server on 127.0.0.1, an issuer on
 * loopback.
 * Before the fix 1 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { accountAdmin, startTestServer, type TestServer } from './support/server.ts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';

const ACS = '350000000931';
const SUB = 'system:serviceaccount:ml:trainer';
let s: TestServer;
let issuer: OidcIssuer;
let iam: I.IAMClient;
let provider = '';

before(async () => {
  s = await startTestServer();
  issuer = await startOidcIssuer();
  iam = s.iam(await accountAdmin(s, ACS, 'acs'));
  provider = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.aliyuncs.com'] }))).OpenIDConnectProviderArn ?? '';
  const trust = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Federated: [provider] }, Condition: { StringEquals: { 'oidc:iss': issuer.url, 'oidc:aud': 'sts.aliyuncs.com', 'oidc:sub': SUB } } }] };
  await iam.send(new I.CreateRoleCommand({ RoleName: 'rrsa-reader', AssumeRolePolicyDocument: JSON.stringify(trust) }));
});

after(async () => {
  iam?.destroy();
  await issuer?.close();
  await s?.stop();
});

test('th1: the README names ALIBABA_CLOUD_STS_ENDPOINT, which ACK injects and Alibaba clients read, not stsEndpoint as the only way', async () => {
  const readme = (await readFile(join(import.meta.dirname, '..', 'README.md'), 'utf8')).replace(/\s+/g, ' ');
  const at = readme.indexOf("as ACK's RRSA pods run it");
  assert.ok(at !== -1, "the README's AssumeRoleWithOIDC paragraph");
  const paragraph = readme.slice(at, at + 1500);
  assert.doesNotMatch(paragraph, /the only way to point it elsewhere/, 'stsEndpoint is not the only way for the Alibaba clients an RRSA pod runs');
  assert.match(paragraph, /`ALIBABA_CLOUD_STS_ENDPOINT`/, 'the variable the clients read is named');
  assert.match(paragraph, /aliyun CLI/);
  assert.match(paragraph, /ack-ram-tool/);
  assert.match(paragraph, /pod-identity webhook.{0,40}injects that variable/, "ACK's webhook sets it to Alibaba's STS, which a reader must replace");
});

test("th1: the installed @alicloud/credentials reads no ALIBABA_CLOUD_STS_ENDPOINT (the README's stsEndpoint-in-code stays its way)", async () => {
  const dir = join(import.meta.dirname, '..', 'node_modules', '@alicloud', 'credentials', 'dist', 'src', 'providers');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.js'));
  assert.ok(files.includes('oidc_role_arn.js'), files.join(', '));
  for (const f of files) assert.doesNotMatch(await readFile(join(dir, f), 'utf8'), /STS_ENDPOINT/, f);
});

test('th1: AssumeRoleWithOIDC as ack-ram-tool sends it, over plain HTTP, opens the role session', async () => {
  const query = new URLSearchParams({ Timestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), Action: 'AssumeRoleWithOIDC', Format: 'JSON', RoleSessionName: 'default-session-name', Version: '2015-04-01', SignatureNonce: randomUUID() });
  const body = new URLSearchParams({ RoleArn: `acs:ram::${ACS}:role/rrsa-reader`, OIDCProviderArn: provider, OIDCToken: await issuer.mint({ sub: SUB, aud: 'sts.aliyuncs.com' }) });
  assert.match(s.url, /^http:\/\/127\.0\.0\.1:/);
  const r = await fetch(`${s.url}/?${query}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-encoding': 'identity' }, body: body.toString() });
  const json = (await r.json()) as { Credentials?: { AccessKeyId?: string; AccessKeySecret?: string; SecurityToken?: string; Expiration?: string }; AssumedRoleUser?: { Arn?: string } };
  assert.equal(r.status, 200, JSON.stringify(json));
  assert.equal(json.AssumedRoleUser?.Arn, `acs:ram::${ACS}:role/rrsa-reader/default-session-name`);
  // ack-ram-tool parses Expiration with Go's "2006-01-02T15:04:05Z".
  assert.match(json.Credentials?.Expiration ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  const c = json.Credentials ?? {};
  const sts = new S.STSClient({ endpoint: s.url, region: 'cn-hangzhou', credentials: { accessKeyId: c.AccessKeyId ?? '', secretAccessKey: c.AccessKeySecret ?? '', sessionToken: c.SecurityToken ?? '' }, maxAttempts: 1 });
  const who = await sts.send(new S.GetCallerIdentityCommand({}));
  sts.destroy();
  assert.equal(who.Account, ACS);
});
