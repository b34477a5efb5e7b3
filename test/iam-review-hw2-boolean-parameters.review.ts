/**
 * Review hw, 2: IAM's boolean parameters (CreatePolicyVersion's SetAsDefault, ListPolicies' OnlyAttached) were true
 * only when spelled `true` in any case, and anything else was false without a word. The Query protocol reads them as
 * xsd:boolean, where `1` is true too: `SetAsDefault=1` (as a hand-written request or a client writing booleans as
 * digits sends it) answered 200 with a version that was not the default, so the policy kept granting what the caller
 * meant to replace; `OnlyAttached=1` listed every policy. A misspelling (`SetAsDefault=yes`) created the version as
 * a non-default one instead of being refused. Now `true`/`1` and `false`/`0` are read as xsd:boolean defines them, and
 * any other value (`yes`, `TRUE`, empty) is ValidationError naming the parameter, and changes nothing. Real server;
 * SigV4-signed Query requests (no SDK writes such values) and SDK v3.
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseQuery } from './support/resource-server.ts';

const doc = (action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });
let server: TestServer;
let iam: I.IAMClient;
let arn: string;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  arn = (await iam.send(new I.CreatePolicyCommand({ PolicyName: 'reader', PolicyDocument: doc('s3:GetObject') }))).Policy?.Arn as string;
});
after(async () => {
  await server?.stop();
});

const query = (params: Record<string, string>) => gatehouseQuery(server.url, server.admin, 'iam', new URLSearchParams({ Version: '2010-05-08', ...params }).toString());
const versions = async () => (await iam.send(new I.ListPolicyVersionsCommand({ PolicyArn: arn }))).Versions?.map((v) => `${v.VersionId}${v.IsDefaultVersion ? '*' : ''}`);

test('SetAsDefault=1 makes the new version the default, as SetAsDefault=true does; 0 does not', async () => {
  const one = await query({ Action: 'CreatePolicyVersion', PolicyArn: arn, PolicyDocument: doc('s3:PutObject'), SetAsDefault: '1' });
  assert.equal(one.status, 200, one.text);
  assert.match(one.text, /<VersionId>v2<\/VersionId><IsDefaultVersion>true<\/IsDefaultVersion>/);
  assert.equal((await iam.send(new I.GetPolicyCommand({ PolicyArn: arn }))).Policy?.DefaultVersionId, 'v2');
  const zero = await query({ Action: 'CreatePolicyVersion', PolicyArn: arn, PolicyDocument: doc('s3:ListBucket'), SetAsDefault: '0' });
  assert.equal(zero.status, 200, zero.text);
  assert.deepEqual(await versions(), ['v3', 'v2*', 'v1']);
  await iam.send(new I.DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v3' }));
});

test('a SetAsDefault that is not a boolean is ValidationError naming it, and creates no version', async () => {
  for (const value of ['yes', 'TRUE', '']) {
    const r = await query({ Action: 'CreatePolicyVersion', PolicyArn: arn, PolicyDocument: doc('s3:DeleteObject'), SetAsDefault: value });
    assert.equal(r.status, 400, `${value}: ${r.text}`);
    assert.match(r.text, /<Code>ValidationError<\/Code>/);
    assert.match(r.text, /SetAsDefault/);
  }
  assert.deepEqual(await versions(), ['v2*', 'v1']);
  // The SDK's own `true` still works.
  const v = await iam.send(new I.CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc('s3:GetObject'), SetAsDefault: true }));
  assert.equal(v.PolicyVersion?.IsDefaultVersion, true);
});

test('ListPolicies: OnlyAttached=1 lists only attached policies; OnlyAttached=banana is refused', async () => {
  await iam.send(new I.CreatePolicyCommand({ PolicyName: 'unused', PolicyDocument: doc('s3:GetObject') }));
  await iam.send(new I.CreateUserCommand({ UserName: 'dev' }));
  await iam.send(new I.AttachUserPolicyCommand({ UserName: 'dev', PolicyArn: arn }));
  const one = await query({ Action: 'ListPolicies', Scope: 'Local', OnlyAttached: '1' });
  assert.equal(one.status, 200, one.text);
  assert.deepEqual([...one.text.matchAll(/<PolicyName>([^<]+)<\/PolicyName>/g)].map((m) => m[1]), ['reader']);
  const bad = await query({ Action: 'ListPolicies', Scope: 'Local', OnlyAttached: 'banana' });
  assert.equal(bad.status, 400, bad.text);
  assert.match(bad.text, /<Code>ValidationError<\/Code>/);
  assert.match(bad.text, /OnlyAttached/);
});
