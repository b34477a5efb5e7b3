/** Small pieces the S3 gateway's tests share. */
import assert from 'node:assert/strict';
import { HeadObjectCommand, S3Client, type S3ServiceException } from '@aws-sdk/client-s3';
import type { TestServer } from './server.ts';

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
