/**
 * Review je, 1. Several refusals quoted the offending value whole, however long: a 5,000-character `partition` of
 * `POST /v1/accounts`, `principal` of `POST /v1/escalation-paths` (twice in one message, then again in `details`),
 * `principalArn` of `POST /v1/clusters/{name}/access-entries`, `dryRun` of `POST /v1/apply`, IAM's
 * SimulateCustomPolicy `ActionNames`, `CallerArn` and `ResourceOwner`, CreateOpenIDConnectProvider's thumbprints, STS
 * AssumeRole's session tag keys and values and its transitive tag keys, and the `apiVersion` of a SubjectAccessReview
 * came back in full in the error (a 4 MiB admin body answered with 8 MiB; anything pasted by mistake, a secret
 * among it, copied into the error, the caller's terminal and the logs that keep answers). The rest of Gatehouse quotes
 * at most 80 characters and says how long the value was (`shortName`, review gm, 5).
 *
 * Now each of them quotes its first 80 characters, `… (5000 characters)`, and still names the field at fault.
 * Real server (SQLite), SigV4-signed admin API, AWS SDK v3 for IAM and STS, a webhook token for the SAR.
 *
 * Before the fix 11 of 11 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { CreateOpenIDConnectProviderCommand, CreateRoleCommand, SimulateCustomPolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { REGION, startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
let account = '';
const LONG = 'q'.repeat(5000);
const RUN = 'q'.repeat(200);
const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });

before(async () => {
  s = await startTestServer();
  account = s.adminFile.AccountId;
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] });
  await s.iam().send(new CreateRoleCommand({ RoleName: 'je1', AssumeRolePolicyDocument: trust }));
  assert.equal((await admin('PUT', '/v1/clusters/c1', '{}')).status, 200);
});
after(() => s?.stop());

async function admin(method: string, path: string, body: string): Promise<{ status: number; text: string }> {
  const u = new URL(s.url);
  const signer = new SignatureV4({ service: 'gatehouse', region: REGION, credentials: s.admin, sha256: Sha256 });
  const signed = await signer.sign({ method, protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path, query: {}, headers: { host: u.host, 'content-type': 'application/json' }, body });
  const r = await fetch(new URL(path, u), { method, headers: signed.headers, body });
  return { status: r.status, text: await r.text() };
}

/** The refusal names `path` and the value's length, quoting no more than a prefix of it. */
function boundedAdmin(r: { status: number; text: string }, path: string): void {
  assert.ok(r.status >= 400 && r.status < 500, `${r.status} ${r.text.slice(0, 300)}`);
  assert.ok(!r.text.includes(RUN), `the answer quotes the value whole (${r.text.length} bytes): ${r.text.slice(0, 300)}`);
  const e = (JSON.parse(r.text) as { error: { message: string; details: { path: string }[] } }).error;
  assert.equal(e.details[0]?.path, path, r.text.slice(0, 300));
  assert.match(e.message, /5\d{3} characters/, e.message);
}

async function sdkMessage(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => assert.fail('accepted'),
    (x: unknown) => x as Error,
  );
  return e.message;
}
function bounded(message: string): void {
  assert.ok(!message.includes(RUN), `the error quotes the value whole (${message.length} characters): ${message.slice(0, 200)}`);
  assert.match(message, /5\d{3} characters/, message.slice(0, 300));
}

test('POST /v1/accounts: a long partition is quoted in part', async () => {
  boundedAdmin(await admin('POST', '/v1/accounts', JSON.stringify({ id: '111122223333', partition: LONG })), 'partition');
});

test('POST /v1/escalation-paths: a long principal, name or ARN, is quoted in part', async () => {
  boundedAdmin(await admin('POST', '/v1/escalation-paths', JSON.stringify({ principal: LONG })), 'principal');
  boundedAdmin(await admin('POST', '/v1/escalation-paths', JSON.stringify({ principal: `arn:aws:iam::${account}:user/${LONG}` })), 'principal');
});

test('POST /v1/clusters/{name}/access-entries: a long principalArn is quoted in part', async () => {
  boundedAdmin(await admin('POST', '/v1/clusters/c1/access-entries', JSON.stringify({ principalArn: LONG, kubernetesGroups: ['g'] })), 'principalArn');
});

test('POST /v1/apply: a dryRun that is a long string is quoted in part', async () => {
  boundedAdmin(await admin('POST', '/v1/apply', JSON.stringify({ documents: [], dryRun: LONG })), 'dryRun');
});

test('SimulateCustomPolicy: a long ActionNames member is quoted in part', async () => {
  bounded(await sdkMessage(s.iam().send(new SimulateCustomPolicyCommand({ PolicyInputList: [doc], ActionNames: [LONG] }))));
});

test('SimulateCustomPolicy: a long CallerArn is quoted in part', async () => {
  bounded(await sdkMessage(s.iam().send(new SimulateCustomPolicyCommand({ PolicyInputList: [doc], ActionNames: ['s3:GetObject'], CallerArn: LONG }))));
});

test('SimulateCustomPolicy: a long ResourceOwner is quoted in part', async () => {
  bounded(await sdkMessage(s.iam().send(new SimulateCustomPolicyCommand({ PolicyInputList: [doc], ActionNames: ['s3:GetObject'], ResourceOwner: LONG }))));
});

test('CreateOpenIDConnectProvider: a long thumbprint is quoted in part', async () => {
  bounded(await sdkMessage(s.iam().send(new CreateOpenIDConnectProviderCommand({ Url: 'https://issuer.invalid', ThumbprintList: [LONG] }))));
});

test('AssumeRole: a long session tag key or value is quoted in part', async () => {
  const RoleArn = `arn:aws:iam::${account}:role/je1`;
  bounded(await sdkMessage(s.sts().send(new AssumeRoleCommand({ RoleArn, RoleSessionName: 'je1', Tags: [{ Key: LONG, Value: 'v' }] }))));
  bounded(await sdkMessage(s.sts().send(new AssumeRoleCommand({ RoleArn, RoleSessionName: 'je1', Tags: [{ Key: 'k', Value: LONG }] }))));
});

test('AssumeRole: a long transitive tag key is quoted in part', async () => {
  const RoleArn = `arn:aws:iam::${account}:role/je1`;
  bounded(await sdkMessage(s.sts().send(new AssumeRoleCommand({ RoleArn, RoleSessionName: 'je1', Tags: [{ Key: 'k', Value: 'v' }], TransitiveTagKeys: [LONG] }))));
});

test('a SubjectAccessReview with a long apiVersion is refused quoting it in part', async () => {
  const r = await admin('POST', '/v1/clusters/c1/webhook-config', '{}');
  assert.equal(r.status, 200, r.text);
  const token = (JSON.parse(r.text) as { token: string }).token;
  const body = JSON.stringify({ apiVersion: LONG, kind: 'SubjectAccessReview', spec: { user: 'alice', resourceAttributes: { verb: 'get', resource: 'pods' } } });
  const a = await fetch(new URL('/k8s/c1/authorize', s.url), { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
  const text = await a.text();
  assert.equal(a.status, 400, text.slice(0, 300));
  bounded((JSON.parse(text) as { message: string }).message);
});
