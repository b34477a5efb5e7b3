/**
 * Review em, finding 2: a `k8s-aws-v1.` token was refused when the cluster name it was signed for (`x-k8s-aws-id`)
 * differed from the webhook URL's only in case. Gatehouse compares cluster names without case everywhere else: `kube
 * access-entry create --cluster gpu-b`, `apply --cluster gpu-b` and `kube webhook-config --cluster gpu-b` all act on
 * the Cluster `GPU-B`, and webhook-config writes the webhook URL with the name as the Cluster document spells it
 * (`/k8s/GPU-B/authenticate`). But the TokenReview checked the signature over the URL's spelling only, so the token of
 * `gatehouse kube token --cluster gpu-b` (README §6's kubeconfig, with the name as its users type it) or of `aws eks
 * get-token --cluster-name gpu-b` was answered "the token's signature does not match", and every kubectl call failed
 * with 401 Unauthorized. Now the signature is checked over the names the cluster goes by (the URL's, the document's,
 * its lower case), and `gatehouse kube token` signs the name in lower case, so any spelling it is given works; a
 * token signed for another cluster is still refused. Real server; TokenReviews POSTed as kube-apiserver sends them,
 * to the URL webhook-config writes, with tokens presigned by SDK v3's SignatureV4 (as `aws eks get-token`) and made by
 * `gatehouse kube token`. Before the fix 3 of its 5 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { cliAgainst, REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;
let carol: Credentials;
let bearer = '';
/** The cluster's name as webhook-config's answer gives it, which it writes into the webhook URL. */
let urlName = '';

/** A token for `cluster`, presigned as `aws eks get-token --cluster-name <cluster>` makes it. */
async function presigned(cluster: string): Promise<string> {
  const u = new URL(server.url);
  const signer = new SignatureV4({ service: 'sts', region: REGION, credentials: carol, sha256: Sha256 });
  const p = await signer.presign(
    { method: 'GET', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host: u.host, 'x-k8s-aws-id': cluster } },
    { expiresIn: 60 },
  );
  return `k8s-aws-v1.${Buffer.from(`${server.url}/?${new URLSearchParams(p.query as Record<string, string>).toString()}`).toString('base64url')}`;
}

/** The token `gatehouse kube token --cluster <cluster>` prints. */
async function fromCli(cluster: string): Promise<string> {
  const r = await cliAgainst(server, ['kube', 'token', '--cluster', cluster], carol);
  assert.equal(r.status, 0, r.err);
  return String((JSON.parse(r.out) as { status: { token: string } }).status.token);
}

async function review(token: string): Promise<{ authenticated: boolean; error?: string; user?: { username: string } }> {
  const r = await fetch(`${server.url}/k8s/${encodeURIComponent(urlName)}/authenticate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer}` },
    body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } }),
  });
  assert.equal(r.status, 200);
  return ((await r.json()) as { status: { authenticated: boolean; error?: string; user?: { username: string } } }).status;
}

before(async () => {
  server = await startTestServer();
  const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
  const acct = server.adminFile.AccountId;
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [doc('Cluster', 'GPU-B', {}), doc('Cluster', 'gpu-c', {}), doc('User', 'carol', {}), doc('AccessEntry', 'carol', { cluster: 'gpu-b', principalArn: `arn:aws:iam::${acct}:user/carol`, kubernetesGroups: ['devs'] })],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const config = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/gpu-b/webhook-config', {});
  bearer = String(config.json['token']);
  urlName = String(config.json['cluster']);
  assert.equal(urlName, 'GPU-B');
  const k = await gatehouseJson(server.url, server.admin, 'POST', '/v1/access-keys', { userName: 'carol' });
  carol = { accessKeyId: String(k.json['accessKeyId']), secretAccessKey: String(k.json['secretAccessKey']) };
});

after(async () => {
  await server?.stop();
});

test('a token signed for the name as the Cluster document spells it is authenticated (as before)', async () => {
  const s = await review(await presigned('GPU-B'));
  assert.equal(s.authenticated, true, s.error);
});

test('a token signed for the name in lower case (`aws eks get-token --cluster-name gpu-b`) is authenticated', async () => {
  const s = await review(await presigned('gpu-b'));
  assert.equal(s.authenticated, true, s.error);
  assert.equal(s.user?.username, `arn:aws:iam::${server.adminFile.AccountId}:user/carol`);
});

test('`gatehouse kube token --cluster gpu-b` is authenticated', async () => {
  const s = await review(await fromCli('gpu-b'));
  assert.equal(s.authenticated, true, s.error);
});

test('`gatehouse kube token --cluster Gpu-B`, in any case, is authenticated', async () => {
  const s = await review(await fromCli('Gpu-B'));
  assert.equal(s.authenticated, true, s.error);
});

test('a token signed for another cluster is still refused', async () => {
  for (const t of [await presigned('gpu-c'), await presigned('GPU-C'), await fromCli('gpu-c')]) {
    const s = await review(t);
    assert.equal(s.authenticated, false);
    assert.match(s.error ?? '', /the token's signature does not match \(was it made for cluster GPU-B\?\)/);
  }
});
