/** Small pieces the S3 gateway's tests share. */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, HeadObjectCommand, S3Client, type S3ServiceException } from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from './server.ts';

/** The error name, HTTP status and message an S3 call was refused with; fails the test when it was not refused. */
export async function s3Refusal(p: Promise<unknown>): Promise<[string, number | undefined, string]> {
  try {
    await p;
  } catch (e) {
    const err = e as S3ServiceException;
    return [err.name, err.$metadata?.httpStatusCode, err.message];
  }
  return assert.fail('expected the request to be refused');
}

/** Whether HeadObject finds `key` in `bucket` (false on any refusal). */
export async function objectExists(c: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await c.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch {
    return false;
  }
}

/** A client of `server`'s S3 gateway as its root admin: path-style addressing, one attempt (a refusal is seen as sent). */
export function adminS3Client(server: Pick<TestServer, 'running' | 'admin'>): S3Client {
  return new S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
}

/**
 * Registers, in the file or describe it is called in, a `before` that starts a test server, makes its root admin's S3
 * client (handed to `ready`, with the server) and creates `bucket` with it, and an `after` that destroys the client
 * and stops the server.
 */
export function adminBucket(bucket: string, ready: (c: S3Client, server: TestServer) => void): void {
  let server: TestServer | undefined;
  let c: S3Client | undefined;
  before(async () => {
    server = await startTestServer();
    c = adminS3Client(server);
    ready(c, server);
    await c.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  after(async () => {
    c?.destroy();
    await server?.stop();
  });
}
