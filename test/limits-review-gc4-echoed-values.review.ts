/**
 * Review gc, 4. Refusals of the STS parameters echoed the value whole: a `RoleSessionName` (AWS's
 * AssumeRoleWithWebIdentity, Alibaba's AssumeRoleWithOIDC, both unsigned: anyone can send them), a GetFederationToken
 * `Name`, or a `DurationSeconds` that is not a number, of up to the Query API's 1 MiB, came back whole in the error
 * ("Value 'xxxx…' at 'roleSessionName' …", "DurationSeconds must be an integer, got `xxxx…`"): a megabyte answered to
 * whoever asked, and into the logs of every client and proxy that keep error messages. `RoleArn`, `Policy`,
 * `ExternalId` and `PolicyArns` were already refused without their value (reviews fx 3, fx 5). Now a value longer than
 * 256 characters is left out of the message (`Value at 'roleSessionName' …`, as those), and a non-numeric integer
 * parameter is shown cut to 32 characters; a short one is still quoted as AWS quotes it. Real server (SQLite), the AWS
 * SDK v3 clients; Alibaba's unsigned call by hand, as `@alicloud/credentials`' OIDC provider sends it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AssumeRoleWithWebIdentityCommand, GetFederationTokenCommand } from '@aws-sdk/client-sts';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s?.stop());

const huge = 'x'.repeat(300_000);

test('AssumeRoleWithWebIdentity: a huge RoleSessionName is refused without being echoed; a short bad one is quoted', async () => {
  const sts = s.sts({ accessKeyId: 'unused', secretAccessKey: 'unused' });
  const ask = (name: string) => sdkFailure(sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: 'arn:aws:iam::000000000000:role/r', RoleSessionName: name, WebIdentityToken: 'a.b.c' })));
  const big = await ask(huge);
  assert.equal(big.code, 'ValidationError');
  assert.ok(big.message.length < 1000, `${big.message.length} characters`);
  assert.match(big.message, /Value at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64/);
  const short = await ask('has space');
  assert.match(short.message, /Value 'has space' at 'roleSessionName' failed to satisfy constraint/);
});

test('a DurationSeconds that is not a number is shown cut', async () => {
  const body = new URLSearchParams({ Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: 'arn:aws:iam::000000000000:role/r', RoleSessionName: 's1', WebIdentityToken: 'a.b.c', DurationSeconds: huge });
  const r = await fetch(`${s.url}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  const text = await r.text();
  assert.equal(r.status, 400);
  assert.ok(text.length < 1000, `${text.length} characters`);
  assert.match(text, /DurationSeconds must be an integer, got `x{32}…`/);
});

test('GetFederationToken: a huge Name is refused without being echoed', async () => {
  const r = await sdkFailure(s.sts().send(new GetFederationTokenCommand({ Name: huge })));
  assert.equal(r.code, 'ValidationError');
  assert.ok(r.message.length < 1000, `${r.message.length} characters`);
  assert.match(r.message, /Value at 'name' failed to satisfy constraint: Member must have length less than or equal to 32/);
});

test("Alibaba's AssumeRoleWithOIDC: a huge RoleSessionName is refused without being echoed", async () => {
  const body = new URLSearchParams({ RoleArn: 'acs:ram::100000000001:role/r', RoleSessionName: huge, OIDCProviderArn: 'acs:ram::100000000001:oidc-provider/p', OIDCToken: 'a.b.c' });
  const r = await fetch(`${s.url}/?Action=AssumeRoleWithOIDC&Version=2015-04-01&Format=JSON&Timestamp=${new Date().toISOString()}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  const text = await r.text();
  assert.equal(r.status, 400);
  assert.ok(text.length < 1000, `${text.length} characters`);
  assert.equal((JSON.parse(text) as { Code: string }).Code, 'InvalidParameter.RoleSessionName');
});
