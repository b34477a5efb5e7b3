/**
 * Review li, 1, against a real server with `@aws-sdk/client-s3`: writes with `If-Match: W/"<etag>"` and a copy with
 * `x-amz-copy-source-if-match: W/"<etag>"`.
 *
 * What was wrong: the write conditions (PutObject, CompleteMultipartUpload, CopyObject's destination, DeleteObject)
 * and the copy's `x-amz-copy-source-if-match` dropped the `W/` prefix before comparing, so a weak tag matched the
 * object's ETag and the write or copy went on. RFC 9110 §13.1.1 (RFC 7232 §3.1, which S3's API reference cites for
 * these headers) says If-Match uses the strong comparison, in which a weak tag never matches; GetObject and HeadObject
 * already compared so (412), so the same tag passed a compare-and-swap write yet failed a read. A weak tag says "an
 * equivalent representation" (a proxy that recompressed the body), which is not what an optimistic lock can rest on.
 *
 * What is now so: `W/"<etag>"` in If-Match on a write, on DeleteObject and in `x-amz-copy-source-if-match` does not
 * match: 412 PreconditionFailed and nothing written, copied or deleted. The strong `"<etag>"` still matches, and
 * `x-amz-copy-source-if-none-match` keeps comparing weakly.
 *
 * Before the fix 4 of 4 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket } from './support/s3.ts';

const BUCKET = 'li1-strong-if-match';
let c: S3.S3Client;
adminBucket(BUCKET, (client) => (c = client));

/** The HTTP status and error code `p` was answered with. */
async function outcome(p: Promise<{ $metadata: { httpStatusCode?: number } }>): Promise<[number | undefined, string]> {
  try {
    return [(await p).$metadata.httpStatusCode, ''];
  } catch (e) {
    const err = e as S3.S3ServiceException;
    return [err.$metadata?.httpStatusCode, err.name];
  }
}

async function put(key: string, body: string): Promise<string> {
  const etag = (await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }))).ETag ?? '';
  assert.match(etag, /^"[0-9a-f]{32}"$/);
  return etag;
}
const read = async (key: string): Promise<string> => (await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToString();

describe('li 1: If-Match on writes compares strongly', () => {
  it('PutObject with If-Match W/"<etag>" is 412 and writes nothing; "<etag>" writes', async () => {
    const e = await put('put', 'first');
    assert.deepEqual(await outcome(c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'put', Body: 'second', IfMatch: `W/${e}` }))), [412, 'PreconditionFailed']);
    assert.equal(await read('put'), 'first');
    assert.deepEqual(await outcome(c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'put', Body: 'third', IfMatch: `"0123", ${e}` }))), [200, '']);
    assert.equal(await read('put'), 'third');
  });

  it('CopyObject with x-amz-copy-source-if-match W/"<etag>" is 412 and copies nothing', async () => {
    const e = await put('src', 'source bytes');
    const copy = (cond: Partial<S3.CopyObjectCommandInput>) => c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'dst', CopySource: `${BUCKET}/src`, ...cond }));
    assert.deepEqual(await outcome(copy({ CopySourceIfMatch: `W/${e}` })), [412, 'PreconditionFailed']);
    await assert.rejects(c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'dst' })), { name: 'NotFound' });
    // If-None-Match stays weak: W/"<etag>" is the source's tag, so the copy fails.
    assert.deepEqual(await outcome(copy({ CopySourceIfNoneMatch: `W/${e}` })), [412, 'PreconditionFailed']);
    assert.deepEqual(await outcome(copy({ CopySourceIfMatch: e })), [200, '']);
    assert.equal(await read('dst'), 'source bytes');
  });

  it('CopyObject with If-Match W/"<destination etag>" is 412 and leaves the destination', async () => {
    await put('src2', 'new bytes');
    const e = await put('dst2', 'old bytes');
    assert.deepEqual(await outcome(c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'dst2', CopySource: `${BUCKET}/src2`, IfMatch: `W/${e}` }))), [412, 'PreconditionFailed']);
    assert.equal(await read('dst2'), 'old bytes');
  });

  it('DeleteObject with If-Match W/"<etag>" is 412 and deletes nothing', async () => {
    const e = await put('del', 'keep me');
    assert.deepEqual(await outcome(c.send(new S3.DeleteObjectCommand({ Bucket: BUCKET, Key: 'del', IfMatch: `W/${e}` }))), [412, 'PreconditionFailed']);
    assert.equal(await read('del'), 'keep me');
  });
});
