/**
 * Review dq, 1: the S3 gateway closed a keep-alive connection after Node's default 5 s of idleness. The SDK's pool
 * keeps a socket until the server closes it, so a request sent on a socket idle for about 5 s met the close and
 * failed with "socket hang up" (CI: `@aws-sdk/client-s3 inside a job`, `maxAttempts: 1`, after a step of a few
 * seconds on a loaded machine). S3 keeps idle connections 20 s, and clients tuned for S3 count on it (aiobotocore
 * reuses sockets idle up to 12 s): the gateway keeps them as long, and says so in `Keep-Alive`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request, Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import * as S3 from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { adminS3Client } from './support/s3.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const BUCKET = 'dq1-keep-alive';
let server: TestServer;
let c: S3.S3Client;
// A pool that, like the SDK's, keeps its socket until the server closes it (no idle timeout of its own).
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function head(url: string): Promise<{ status: number; keepAlive: string | undefined; port: number | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'HEAD', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, keepAlive: String(res.headers['keep-alive']), port: req.socket?.localPort }));
    });
    req.on('error', reject);
    req.end();
  });
}

before(async () => {
  server = await startTestServer();
  c = adminS3Client(server);
  await c.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
  await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'x' }));
});

after(async () => {
  agent.destroy();
  c?.destroy();
  await server?.stop();
});

describe('dq1: an idle connection stays open as long as S3 keeps one', () => {
  it('announces timeout=20 and serves a request on a connection idle for 6 s', async () => {
    const url = await getSignedUrl(c, new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'k' }), { expiresIn: 60 });
    const first = await head(url);
    assert.equal(first.status, 200);
    assert.equal(first.keepAlive, 'timeout=20');
    await sleep(6_000);
    const second = await head(url);
    assert.equal(second.status, 200);
    assert.equal(second.port, first.port, 'the second request went over the connection of the first');
  });
});
