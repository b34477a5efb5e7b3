/**
 * Review sl, 2: a request whose target is in absolute form (`GET http://127.0.0.1:PORT/healthz HTTP/1.1`, as a client
 * sends it to a proxy, and as a proxy that forwards it unchanged passes it on) was answered 404 "no route for GET
 * http://…" on every port: the probes, the admin API, the IAM and STS Query APIs, the S3 gateway, the job credential
 * endpoints. Node hands the target over as sent, and every router read it as a path.
 * Contract: RFC 9112 §3.2.2, "a server MUST accept the absolute-form in requests", and an origin server "MUST ignore
 * the received Host header field (if any) and instead use the host information of the request-target". Now the path
 * and query are taken from the target as sent (what a SigV4 signature covers) and its authority is the Host.
 * Before the fix 4 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { rawAnswer } from './support/raw-answer.ts';
import { adminS3Client } from './support/s3.ts';
import { startTestServer, type TestServer } from './support/server.ts';

/** The status line and body of a raw HTTP/1.1 answer. */
const parsed = (answer: string): { status: number; body: string } => ({ status: Number(answer.split(' ')[1]), body: answer.slice(answer.indexOf('\r\n\r\n') + 4) });

/** `text`'s request sent on its own connection to `url`'s port. */
const raw = async (url: string, text: string) => parsed(await rawAnswer(Number(new URL(url).port), text));

/** A SigV4-signed request of the root admin for `path` (and `query`) of `url`, written with `target` as its request target. */
async function signed(server: TestServer, url: string, service: string, method: string, path: string, query: Record<string, string>, body: string, target: string, host = new URL(url).host): Promise<string> {
  const u = new URL(url);
  const signer = new SignatureV4({ credentials: server.admin, region: 'us-east-1', service, sha256: Sha256, uriEscapePath: service !== 's3' });
  const headers: Record<string, string> = { host: u.host, ...(service === 's3' ? { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } : {}), ...(body !== '' ? { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' } : {}) };
  const r = await signer.sign({ method, protocol: 'http:', hostname: u.hostname, port: Number(u.port), path, query, headers, body });
  const lines = Object.entries(r.headers).filter(([k]) => k !== 'host').map(([k, v]) => `${k}: ${v}`);
  return `${method} ${target} HTTP/1.1\r\nHost: ${host}\r\n${lines.join('\r\n')}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

describe('review sl2: a request target in absolute form is served as its path', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.stop();
  });

  it('the probes answer GET and HEAD of http://HOST/healthz, the Host header ignored for the authority', async () => {
    const host = new URL(server.url).host;
    const get = await raw(server.url, `GET http://${host}/healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    assert.deepEqual(get, { status: 200, body: 'ok\n' });
    const head = await raw(server.url, `HEAD HTTP://${host}/readyz HTTP/1.1\r\nHost: elsewhere.example\r\nConnection: close\r\n\r\n`);
    assert.equal(head.status, 200);
    // No path at all is `/`.
    const root = await raw(server.url, `GET http://${host} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    assert.match(root.body, /no route for GET \/:/);
  });

  it('a SigV4-signed STS call (POST and GET with its query) is verified against the path and authority', async () => {
    const host = new URL(server.url).host;
    const form = 'Action=GetCallerIdentity&Version=2011-06-15';
    const post = await raw(server.url, await signed(server, server.url, 'sts', 'POST', '/', {}, form, `http://${host}/`));
    assert.equal(post.status, 200, post.body);
    assert.match(post.body, /<Arn>arn:aws:iam::\d+:root|<Arn>arn:aws:iam::\d+:user\//);
    const query = { Action: 'GetCallerIdentity', Version: '2011-06-15' };
    // The Host header a proxy rewrote is ignored for the authority the client signed (RFC 9112 §3.2.2).
    const get = await raw(server.url, await signed(server, server.url, 'sts', 'GET', '/', query, '', `http://${host}/?${new URLSearchParams(query).toString()}`, 'proxy.internal:3128'));
    assert.equal(get.status, 200, get.body);
    assert.match(get.body, /GetCallerIdentityResult/);
  });

  it('the S3 gateway serves a signed GET of http://HOST/bucket/key', async () => {
    const s3 = adminS3Client(server);
    await s3.send(new CreateBucketCommand({ Bucket: 'sl2-bucket' }));
    await s3.send(new PutObjectCommand({ Bucket: 'sl2-bucket', Key: 'dir/a b.txt', Body: 'hello' }));
    s3.destroy();
    const url = server.running.s3Url;
    const host = new URL(url).host;
    const r = await raw(url, await signed(server, url, 's3', 'GET', '/sl2-bucket/dir/a%20b.txt', {}, '', `http://${host}/sl2-bucket/dir/a%20b.txt`));
    assert.equal(r.status, 200, r.body);
    assert.equal(r.body, 'hello');
  });

  it('the job credential endpoints answer http://HOST/healthz', async () => {
    const url = server.running.agentUrl;
    const host = new URL(url).host;
    const r = await raw(url, `GET http://${host}/healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    assert.deepEqual(r, { status: 200, body: 'ok\n' });
  });
});
