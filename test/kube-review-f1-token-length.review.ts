/**
 * Review F, F1: the TokenReview's size refusal said "a k8s-aws-v1. token is at most 4 KiB", and the webhook refused
 * any token longer than 4096 characters (aws-iam-authenticator's `maxTokenLenBytes`). The token holds the presigned
 * URL's session token: a Gatehouse session with a session policy of 1,900 characters gave a token of 4,654, refused
 * as "longer than 4096 bytes" though every other door takes that session (AWS's own session tokens reach the same
 * bound, kubernetes-sigs/aws-iam-authenticator#1106). Now a token is read up to the encoding of a 16 KiB presigned URL
 * (the most this server reads as a request line), the refusal of a longer one says its length and the limit, and the
 * 413 states both limits.
 *
 * Real server; credentials from AssumeRole (SDK v3), the token presigned by SDK v3's SignatureV4 as `aws eks get-token`
 * does.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { REGION, startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;
let hook = '';

async function admin(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await gatehouseJson(server.url, server.admin, method, path, body);
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

async function tokenReview(token: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${server.url}/k8s/k1/authenticate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${hook}` },
    body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: { creationTimestamp: null }, spec: { token }, status: { user: {} } }),
  });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

before(async () => {
  server = await startTestServer();
  const acct = server.adminFile.AccountId;
  await admin('POST', '/v1/apply', {
    documents: [
      { apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name: 'k1' }, spec: {} },
      { apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'ops' }, spec: { trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'sts:AssumeRole' }] } } },
      { apiVersion: 'gatehouse.dev/v1', kind: 'AccessEntry', metadata: { name: 'ops' }, spec: { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:role/ops`, kubernetesGroups: ['ops'] } },
    ],
  });
  hook = String((await admin('POST', '/v1/clusters/k1/webhook-config', {}))['token']);
});

after(async () => {
  await server?.stop();
});

describe('F1: k8s-aws-v1 tokens of sessions with long session tokens', () => {
  test('a session with a session policy authenticates; its token is over 4096 characters', async () => {
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${'b'.repeat(1900)}` }] });
    const c = (await server.sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${server.adminFile.AccountId}:role/ops`, RoleSessionName: 'big-session', Policy: policy }))).Credentials;
    assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
    const u = new URL(server.url);
    const signer = new SignatureV4({ service: 'sts', region: REGION, credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken }, sha256: Sha256 });
    const p = await signer.presign(
      { method: 'GET', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host: u.host, 'x-k8s-aws-id': 'k1' } },
      { expiresIn: 60 },
    );
    const token = `k8s-aws-v1.${Buffer.from(`${u.protocol}//${u.host}/?${new URLSearchParams(p.query as Record<string, string>).toString()}`).toString('base64url')}`;
    assert.ok(token.length > 4096, `token of ${token.length} characters`);
    const r = await tokenReview(token);
    assert.equal(r.status, 200);
    const s = r.json['status'] as Record<string, unknown>;
    assert.equal(s['authenticated'], true, JSON.stringify(s));
    assert.match(String((s['user'] as Record<string, unknown>)['username']), /:assumed-role\/ops\/big-session$/);
  });

  test('a token over the limit is refused with its length and the limit; the 413 states both limits', async () => {
    const r = await tokenReview(`k8s-aws-v1.${'A'.repeat(30_000)}`);
    assert.equal(r.status, 200);
    const s = r.json['status'] as Record<string, unknown>;
    assert.equal(s['authenticated'], false);
    assert.equal(s['error'], 'the token is not a valid k8s-aws-v1 token: it is 30011 characters, longer than the 21857 of a presigned URL of 16 KiB');
    const big = await tokenReview('x'.repeat(70_000));
    assert.equal(big.status, 413);
    assert.equal(big.json['message'], 'the TokenReview is larger than 64 KiB; a k8s-aws-v1. token is at most 21857 characters (a presigned STS URL of up to 16 KiB, session token included): send the token alone');
  });
});
