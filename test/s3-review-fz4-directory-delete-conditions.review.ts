/**
 * Review fz, 4, against a real server with the real `@aws-sdk/client-s3`: DeleteObject's `IfMatchLastModifiedTime` and
 * `IfMatchSize` (`x-amz-if-match-last-modified-time`, `x-amz-if-match-size`), and DeleteObjects entries with
 * `LastModifiedTime` or `Size`, are refused 501 NotImplemented with nothing deleted, not dropped.
 *
 * What was wrong: S3 takes these conditions on directory buckets only (API_DeleteObject: "IfMatchLastModifiedTime and
 * IfMatchSize is only supported for directory buckets"); the SDK sends them to any bucket. The gateway ignored them
 * and deleted the object whatever its time or size: a client that asked "delete it only if it is still the 0-byte
 * placeholder" lost the real object written since. The gateway's rule is that a header asking for something it
 * does not do is NotImplemented, never silently dropped (SSE-C, object lock): the client must know its condition was
 * not held.
 *
 * What is now so: 501 NotImplemented naming the header (or the entry's element) and pointing to If-Match/ETag, which
 * the gateway holds (review fz, 1); the object is kept.
 *
 * Before the fix, both tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket, objectExists, s3Refusal } from './support/s3.ts';

const BUCKET = 'fz4-outputs';

let c: S3.S3Client;
adminBucket(BUCKET, (client) => (c = client));

describe('fz 4: the directory-bucket delete conditions are refused, not dropped', () => {
  it('DeleteObject with IfMatchSize or IfMatchLastModifiedTime: 501 NotImplemented, the object kept', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'run/result.json', Body: '{"loss": 0.12}' }));
    for (const condition of [{ IfMatchSize: 0 }, { IfMatchLastModifiedTime: new Date(0) }]) {
      const [name, status, message] = await s3Refusal(c.send(new S3.DeleteObjectCommand({ Bucket: BUCKET, Key: 'run/result.json', ...condition })));
      assert.deepEqual([name, status], ['NotImplemented', 501], JSON.stringify(condition));
      assert.match(message, /x-amz-if-match-(size|last-modified-time)/);
      assert.equal(await objectExists(c, BUCKET, 'run/result.json'), true);
    }
  });

  it('DeleteObjects with an entry carrying Size or LastModifiedTime: 501 NotImplemented, nothing deleted', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'run/a', Body: 'a' }));
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'run/b', Body: 'bb' }));
    const [name, status] = await s3Refusal(c.send(new S3.DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'run/a' }, { Key: 'run/b', Size: 0 }] } })));
    assert.deepEqual([name, status], ['NotImplemented', 501]);
    assert.equal(await objectExists(c, BUCKET, 'run/a'), true);
    assert.equal(await objectExists(c, BUCKET, 'run/b'), true);
  });
});
