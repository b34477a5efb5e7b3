/**
 * Review lz, 4: the S3 gateway reads a request line and headers of at most 16 KiB, and past that answered with Node's
 * own bare `431 Request Header Fields Too Large`, no body: the AWS SDK threw `Unknown`, "UnknownError", and the aws CLI
 * said as little, for a PutObject whose user metadata ran long or a presigned URL whose query did. Review ky, 3 made
 * `--listen` say it in its routes' shapes; the gateway kept Node's. S3 answers 400 `RequestHeaderSectionTooLarge`, "Your
 * request header section exceeds the maximum allowed size.", with `<MaxSizeAllowed>` (Amazon S3 API reference, "Error
 * responses", list of error codes). Now the gateway does, in its error document, with its request id, and closes the
 * connection (what follows the headers cannot be told apart from them).
 * Real `startServer` (test/support/server.ts), the AWS SDK v3 S3 client and a raw connection.
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import * as S3 from '@aws-sdk/client-s3';
import { adminS3Client } from './support/s3.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const BUCKET = 'lz4-headers';
let server: TestServer;
let c: S3.S3Client;

before(async () => {
  server = await startTestServer();
  c = adminS3Client(server);
  await c.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
});
after(async () => {
  c?.destroy();
  await server?.stop();
});

describe('review lz4: headers over the S3 gateway\'s limit are S3\'s RequestHeaderSectionTooLarge', () => {
  it('the SDK reads the error: 400 RequestHeaderSectionTooLarge naming the size allowed', async () => {
    await assert.rejects(c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'x', Metadata: { note: 'n'.repeat(20_000) } })), (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(e.name, 'RequestHeaderSectionTooLarge', `${e.name}: ${e.message}`);
      assert.equal(e.$metadata?.httpStatusCode, 400);
      assert.match(e.message, /header section exceeds the maximum allowed size/);
      return true;
    });
    // The gateway serves on.
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'x', Metadata: { note: 'short' } }));
  });

  it('the answer is an S3 error document with a request id, and the connection closes', async () => {
    const { hostname, port } = new URL(server.running.s3Url);
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname);
      let received = '';
      socket.on('data', (d: Buffer) => void (received += d.toString('latin1')));
      socket.on('error', reject);
      socket.on('close', () => resolve(received));
      socket.write(`GET /${BUCKET}/k HTTP/1.1\r\nHost: ${hostname}:${port}\r\nX-Pad: ${'p'.repeat(20_000)}\r\n\r\n`);
    });
    assert.match(text, /^HTTP\/1\.1 400 /);
    assert.match(text, /\r\nContent-Type: application\/xml\r\n/i);
    assert.match(text, /\r\nx-amz-request-id: [0-9A-F]{16}\r\n/i);
    assert.match(text, /<Code>RequestHeaderSectionTooLarge<\/Code>/);
    assert.match(text, /<MaxSizeAllowed>16384<\/MaxSizeAllowed>/);
  });
});
