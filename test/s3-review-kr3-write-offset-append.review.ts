/**
 * Review kr, 3, against a real server with the real `@aws-sdk/client-s3`: a PutObject that asks to append
 * (`WriteOffsetBytes`, the `x-amz-write-offset-bytes` header) is refused, not served as a whole-object write.
 *
 * What was wrong: the header was dropped. S3 appends with it (directory buckets, "Appending data to objects in
 * directory buckets": the offset must equal the object's size), and no bucket of the gateway appends; a client that
 * appended 3 bytes to a 10-byte log at offset 10 was told 200 and the log was replaced by those 3 bytes: the 10 were
 * lost. The header joins what the gateway refuses rather than drops (SSE-C, SSE-KMS, Object Lock, ACLs: app/s3.ts).
 *
 * What is now so: PutObject with `x-amz-write-offset-bytes` is refused 501 NotImplemented, naming the header, before
 * anything is stored: the object keeps its bytes, and no object is made at a new key either.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket, objectExists, s3Refusal } from './support/s3.ts';

const B = 'kr3-write-offset';
let c: S3.S3Client;
adminBucket(B, (client) => {
  c = client;
});

const text = async (key: string): Promise<string> => (await (await c.send(new S3.GetObjectCommand({ Bucket: B, Key: key }))).Body?.transformToString()) ?? '';

describe('kr 3: PutObject with WriteOffsetBytes (append)', () => {
  it('appending to an object is refused 501 NotImplemented naming the header; the object keeps its bytes', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: B, Key: 'log', Body: '0123456789' }));
    const [name, status, message] = await s3Refusal(c.send(new S3.PutObjectCommand({ Bucket: B, Key: 'log', Body: 'abc', WriteOffsetBytes: 10 })));
    assert.deepEqual([name, status], ['NotImplemented', 501]);
    assert.match(message, /x-amz-write-offset-bytes/);
    assert.equal(await text('log'), '0123456789');
  });

  it('at offset 0 on a new key: refused too, and nothing is made', async () => {
    const [name, status] = await s3Refusal(c.send(new S3.PutObjectCommand({ Bucket: B, Key: 'new', Body: 'abc', WriteOffsetBytes: 0 })));
    assert.deepEqual([name, status], ['NotImplemented', 501]);
    assert.equal(await objectExists(c, B, 'new'), false);
  });
});
