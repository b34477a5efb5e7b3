/**
 * Review aj, 7, against a real server: an error answered to a request without a body (HEAD or GET of a missing key,
 * a refused GET) keeps the connection, as S3 does; every HEAD error closed it (`connection: close`), so clients that
 * probe keys with HEAD (`aws s3 cp`, s3fs, rclone, SDK v3's HeadObject) reconnected for each missing key. A HEAD
 * error still has no body; a refused upload still closes (its body is not read).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request, Agent } from 'node:http';
import * as S3 from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { startTestServer, type TestServer } from './support/server.ts';

const BUCKET = 'aj4-conn';
let server: TestServer;
let c: S3.S3Client;
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** The request on the one kept-alive socket: status, `connection` header, body, and the local port (the socket). */
function send(method: string, url: string, body?: string): Promise<{ status: number; connection: string | undefined; body: string; port: number | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers: body !== undefined ? { 'content-length': Buffer.byteLength(body) } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body: Buffer.concat(chunks).toString('utf8'), port: req.socket?.localPort }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

before(async () => {
  server = await startTestServer();
  c = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
  await c.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
});

after(async () => {
  agent.destroy();
  c?.destroy();
  await server?.stop();
});

describe('7: errors to requests without a body keep the connection', () => {
  it('HEAD and GET of a missing key: 404 on the same socket, the HEAD without a body', async () => {
    const head = await getSignedUrl(c, new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'missing' }), { expiresIn: 60 });
    const get = await getSignedUrl(c, new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'missing' }), { expiresIn: 60 });
    const first = await send('HEAD', head);
    assert.equal(first.status, 404);
    assert.equal(first.body, '');
    assert.notEqual(first.connection, 'close');
    const second = await send('GET', get);
    assert.equal(second.status, 404);
    assert.match(second.body, /<Code>NoSuchKey<\/Code>.*<RequestId>[0-9A-F]{16}<\/RequestId>/s);
    const third = await send('HEAD', head);
    assert.equal(third.status, 404);
    assert.equal(third.port, first.port, `the three requests went over one connection: ${first.port} ${second.port} ${third.port} ${first.connection}`);
  });

  it('a HEAD refused for its signature answers 403 with no body and keeps the connection', async () => {
    const head = (await getSignedUrl(c, new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'missing' }), { expiresIn: 60 })).replace(/X-Amz-Signature=[0-9a-f]{4}/, 'X-Amz-Signature=0000');
    const r = await send('HEAD', head);
    assert.equal(r.status, 403);
    assert.equal(r.body, '');
    assert.notEqual(r.connection, 'close');
    const again = await send('HEAD', head);
    assert.equal(again.status, 403);
    assert.equal(again.port, r.port, 'one connection');
  });

  it('an upload refused before its body is read still closes the connection', async () => {
    const r = await send('PUT', `${server.running.s3Url}/${BUCKET}/anonymous`, 'body');
    assert.equal(r.status, 403);
    assert.equal(r.connection, 'close');
  });
});
