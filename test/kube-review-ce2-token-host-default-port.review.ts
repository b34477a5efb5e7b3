/**
 * Review ce, finding 2: a `k8s-aws-v1.` token naming this server was refused when one side spelt the scheme's default
 * port and the other did not. GATEHOUSE_KUBE_TOKEN_HOSTS takes `host[:port]` names (`gatehouse server --help`), so an
 * operator whose load balancer answers `https://gatehouse.example.com` may list `gatehouse.example.com:443`; and a
 * server bound to port 443 (or 80) lists its own addresses with that port. But clients never write a default port:
 * `gatehouse kube token`, the AWS SDKs and `aws eks get-token` with AWS_ENDPOINT_URL_STS sign `https://gatehouse.example.com/…`,
 * and every token was answered "host `gatehouse.example.com` is neither this server nor sts.amazonaws.com…", so kubectl
 * failed with 401 Unauthorized. Conversely a URL spelling `:443` (as a Go or botocore endpoint written with the port
 * keeps it) is signed, by those SDKs, with the host without it. Now hosts are compared without the default port of the
 * token's scheme, and the signature is checked over the host as the SDKs sign it. Real server with
 * GATEHOUSE_KUBE_TOKEN_HOSTS; TokenReviews POSTed as kube-apiserver sends them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { ADMIN_CREDENTIALS_FILE, startServer, type RunningServer } from '../src/main/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { REGION, type Credentials } from './support/server.ts';

let dir = '';
let server: RunningServer;
let admin: Credentials;
let carol: Credentials;
let bearer = '';

/** A token for `url` (its host as the SDKs sign it: without the scheme's default port). */
async function token(url: string, creds: Credentials, cluster = 'k1'): Promise<string> {
  const u = new URL(url);
  const signer = new SignatureV4({ service: 'sts', region: REGION, credentials: creds, sha256: Sha256 });
  const p = await signer.presign(
    { method: 'GET', protocol: u.protocol, hostname: u.hostname, path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host: u.host, 'x-k8s-aws-id': cluster } },
    { expiresIn: 60 },
  );
  // `url` as written: with `:443` when it says so (new URL() would drop it).
  return `k8s-aws-v1.${Buffer.from(`${url.replace(/\/$/, '')}/?${new URLSearchParams(p.query as Record<string, string>).toString()}`).toString('base64url')}`;
}

async function review(t: string): Promise<Record<string, unknown>> {
  const r = await fetch(`${server.url}/k8s/k1/authenticate`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: t } }) });
  const json = (await r.json()) as Record<string, unknown>;
  assert.equal(r.status, 200, JSON.stringify(json));
  return json['status'] as Record<string, unknown>;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-ce2-'));
  server = await startServer({ dataDir: join(dir, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: { GATEHOUSE_KUBE_TOKEN_HOSTS: 'gatehouse.example.com:443,plain.example.com:80,lb.example.com' }, log: () => {} });
  const file = JSON.parse(await readFile(join(dir, 'data', ADMIN_CREDENTIALS_FILE), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string; AccountId: string };
  admin = { accessKeyId: file.AccessKeyId, secretAccessKey: file.SecretAccessKey };
  const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
  const applied = await gatehouseJson(server.url, admin, 'POST', '/v1/apply', {
    documents: [doc('Cluster', 'k1', {}), doc('User', 'carol', {}), doc('AccessEntry', 'carol', { cluster: 'k1', principalArn: `arn:aws:iam::${file.AccountId}:user/carol`, kubernetesGroups: ['devs'] })],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  bearer = String((await gatehouseJson(server.url, admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
  const k = await gatehouseJson(server.url, admin, 'POST', '/v1/access-keys', { userName: 'carol' });
  carol = { accessKeyId: String(k.json['accessKeyId']), secretAccessKey: String(k.json['secretAccessKey']) };
});
after(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('token hosts compared without the default port (review ce, 2)', () => {
  it('https://gatehouse.example.com when gatehouse.example.com:443 is listed', async () => {
    const s = await review(await token('https://gatehouse.example.com/', carol));
    assert.equal(s['authenticated'], true, JSON.stringify(s));
  });

  it('http://plain.example.com when plain.example.com:80 is listed', async () => {
    const s = await review(await token('http://plain.example.com/', carol));
    assert.equal(s['authenticated'], true, JSON.stringify(s));
  });

  it('https://lb.example.com:443, signed as the SDKs sign it, when lb.example.com is listed', async () => {
    const s = await review(await token('https://lb.example.com:443/', carol));
    assert.equal(s['authenticated'], true, JSON.stringify(s));
  });

  it('another port is another host; another cluster’s token still fails', async () => {
    const other = await review(await token('https://gatehouse.example.com:8443/', carol));
    assert.equal(other['authenticated'], false);
    assert.match(String(other['error']), /host `gatehouse\.example\.com:8443` is neither this server/);
    const http443 = await review(await token('http://gatehouse.example.com/', carol));
    assert.equal(http443['authenticated'], false, 'http://host is port 80, not the listed :443');
    const wrong = await review(await token('https://gatehouse.example.com/', carol, 'k2'));
    assert.equal(wrong['authenticated'], false);
    assert.match(String(wrong['error']), /signature does not match/);
  });
});
