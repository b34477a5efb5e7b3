/**
 * Review al, 1, against a real server with the real `@aws-sdk/client-iam`/`client-sts` and a signed `/v1/` request:
 * `aws:RequestedRegion` reaches the decisions of the Query API and of `/v1/` (it reached the S3 gateway's only,
 * review aj, 12). The common region guard — Deny NotAction [s3:*] when `StringNotEquals aws:RequestedRegion
 * [eu-west-1]` — found the key absent, StringNotEquals true, and refused every STS, IAM and `/v1/` call of the user,
 * whatever region it signed for. Now: STS and `/v1/` take the region the request was signed for; IAM, a global
 * service, takes `us-east-1` whatever the client's region, as AWS documents (global condition keys,
 * aws:RequestedRegion), so a guard that does not leave IAM out refuses IAM as on AWS.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ROLE_ARN = 'arn:aws:iam::000000000000:role/al1-target';
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] });
const guard = (region: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: '*', Resource: '*' },
      { Sid: 'Region', Effect: 'Deny', NotAction: ['s3:*'], Resource: '*', Condition: { StringNotEquals: { 'aws:RequestedRegion': [region] } } },
    ],
  });

let s: TestServer;
const clients: { destroy(): void }[] = [];
const iam = (credentials: Credentials, region: string) => {
  const c = new I.IAMClient({ endpoint: s.url, region, credentials, maxAttempts: 1 });
  clients.push(c);
  return c;
};
const sts = (credentials: Credentials, region: string) => {
  const c = new S.STSClient({ endpoint: s.url, region, credentials, maxAttempts: 1 });
  clients.push(c);
  return c;
};

/** A `/v1/` request signed for `region` (test/support/resource-server.ts `gatehouseJson` signs for us-east-1 only). */
async function v1(credentials: Credentials, region: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const u = new URL(s.url);
  const text = body === undefined ? '' : JSON.stringify(body);
  const signed = await new SignatureV4({ service: 'gatehouse', region, credentials, sha256: Sha256 }).sign({
    method,
    protocol: u.protocol,
    hostname: u.hostname,
    port: Number(u.port),
    path,
    headers: { host: u.host, 'content-type': 'application/json' },
    body: text,
  });
  const r = await fetch(`${u.origin}${path}`, { method, headers: signed.headers, ...(text !== '' ? { body: text } : {}) });
  const raw = await r.text();
  return { status: r.status, json: raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>) };
}

async function userUnder(name: string, region: string): Promise<Credentials> {
  const admin = s.iam();
  await admin.send(new I.CreateUserCommand({ UserName: name }));
  await admin.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'region-guard', PolicyDocument: guard(region) }));
  const k = await admin.send(new I.CreateAccessKeyCommand({ UserName: name }));
  return { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
}

let west: Credentials;
let east: Credentials;
before(async () => {
  s = await startTestServer();
  await s.iam().send(new I.CreateRoleCommand({ RoleName: 'al1-target', AssumeRolePolicyDocument: TRUST }));
  // The role may read only in requests made to us-east-1: what the authorize API's questions about it ask.
  const readInUsEast1 = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } } }] };
  await s.iam().send(new I.PutRolePolicyCommand({ RoleName: 'al1-target', PolicyName: 'read', PolicyDocument: JSON.stringify(readInUsEast1) }));
  west = await userUnder('al1-west', 'eu-west-1');
  east = await userUnder('al1-east', 'us-east-1');
});
after(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await s?.stop();
});

describe('review al, 1: aws:RequestedRegion on the Query API and /v1/', () => {
  it('STS: the guard passes AssumeRole signed for eu-west-1 and refuses it signed for us-east-1', async () => {
    const ok = await sts(west, 'eu-west-1').send(new S.AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'west' }));
    assert.match(ok.Credentials?.AccessKeyId ?? '', /^ASIA/);
    const refused = await sdkFailure(sts(west, 'us-east-1').send(new S.AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'east' })));
    assert.equal(refused.code, 'AccessDenied');
  });

  it('/v1/: the guard passes the authorize API (gatehouse:Authorize) and an admin read signed for eu-west-1, refuses them for us-east-1', async () => {
    const question = { principal: ROLE_ARN, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' };
    const asked = await v1(west, 'eu-west-1', 'POST', '/v1/authorize', question);
    assert.equal(asked.status, 200, JSON.stringify(asked.json));
    assert.equal(asked.json['decision'], 'ImplicitDeny');
    assert.equal((await v1(west, 'us-east-1', 'POST', '/v1/authorize', question)).status, 403);
    const listed = await v1(west, 'eu-west-1', 'GET', '/v1/users');
    assert.equal(listed.status, 200, JSON.stringify(listed.json));
    assert.equal((await v1(west, 'us-east-1', 'GET', '/v1/users')).status, 403);
  });

  it('the question of the authorize API keeps its own context: the asker signing for eu-west-1 asks about us-east-1', async () => {
    const regional = { principal: ROLE_ARN, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context: { 'aws:RequestedRegion': 'us-east-1' } };
    const r = await v1(west, 'eu-west-1', 'POST', '/v1/authorize', regional);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json['decision'], 'Allow', 'the question is decided with its own aws:RequestedRegion, not the asker\'s');
    const bare = await v1(west, 'eu-west-1', 'POST', '/v1/authorize', { ...regional, context: {} });
    assert.equal(bare.json['decision'], 'ImplicitDeny', 'a question without the key does not take the asker\'s region');
  });

  it('IAM is a global service: its calls are made to us-east-1 whatever region the client signs for', async () => {
    const listed = await iam(east, 'eu-west-1').send(new I.ListUsersCommand({}));
    assert.ok((listed.Users ?? []).some((u) => u.UserName === 'al1-east'));
    assert.equal((await sdkFailure(iam(west, 'eu-west-1').send(new I.ListUsersCommand({})))).code, 'AccessDenied');
  });
});
