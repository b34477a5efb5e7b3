/**
 * Found at stop 25 (review F noted it): a `principalProof` longer than 8,192 characters was refused unread, but a
 * session's token may carry up to 10 KiB of claims (session policy and tags: about 13.8 KB of token), so a resource
 * server could not prove such a caller, though the same presigned GetCallerIdentity is served by the Query API. The
 * bound is now the 16 KiB the server reads as a request line, the most such a GET can be. Real server, SDK v3 STS,
 * the SDK's SignatureV4 presigner.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
let s: TestServer;

before(async () => {
  s = await startTestServer();
});
after(() => s?.stop());

test('a proof of a session with a large session policy and tags is decided, not refused for its length', async () => {
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] };
  await s.iam().send(new I.CreateRoleCommand({ RoleName: 'big', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  await s.iam().send(new I.PutRolePolicyCommand({ RoleName: 'big', PolicyName: 'read', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }) }));
  // A session policy near its 2,048 characters, and tags in CJK (three bytes a character, which the packed size counts as one): a token of over 8 KB.
  const resources = Array.from({ length: 40 }, (_, i) => `arn:aws:s3:::bucket-number-${i}/*`);
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: resources }] });
  const Tags = Array.from({ length: 8 }, (_, i) => ({ Key: `k${i}-${'x'.repeat(100)}`, Value: '中'.repeat(200) }));
  const r = await s.sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/big`, RoleSessionName: 'big', Policy: policy, Tags }));
  const c = r.Credentials;
  assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
  const credentials: Credentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
  const u = new URL(s.url);
  const signer = new SignatureV4({ service: 'sts', region: REGION, credentials, sha256: Sha256 });
  const p = await signer.presign({ method: 'GET', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host: u.host } }, { expiresIn: 60 });
  const proof = `${s.url}/?${new URLSearchParams(p.query as Record<string, string>).toString()}`;
  assert.ok(proof.length > 8192, `the proof is ${proof.length} characters`);
  const asked = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principalProof: proof, action: 's3:GetObject', resource: 'arn:aws:s3:::bucket-number-3/k' });
  assert.equal(asked.status, 200, JSON.stringify(asked.json).slice(0, 500));
  assert.equal(asked.json['decision'], 'Allow');
  assert.equal(asked.json['principal'], `arn:aws:sts::${ACCT}:assumed-role/big/big`);
  // Outside the session policy: refused, as the session itself would be.
  const outside = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principalProof: proof, action: 's3:GetObject', resource: 'arn:aws:s3:::elsewhere/k' });
  assert.equal(outside.json['decision'], 'ImplicitDeny');
});
