/**
 * Review fz, 3, against a real server with the real `@aws-sdk/client-s3` and its presigner: `If-Range` is honoured,
 * as S3 honours it (RFC 9110 §13.1.5), so a resumed download of an object replaced since gets the whole new object.
 *
 * What was wrong: the gateway ignored `If-Range`. A browser (or `curl -C -`, a download manager) resuming a dataset
 * shard through a presigned URL sends `Range: bytes=<what it has>-` with `If-Range: <the ETag or Last-Modified it
 * saw>`; when the object was replaced in between, the server must answer 200 with the whole new object, so that the
 * client starts over. The gateway answered 206 with the tail of the new object, which the client appended to the head
 * of the old one: a file that is neither, saved without an error. An unsatisfiable Range under a failing If-Range was
 * answered 416 instead of the object.
 *
 * What is now so: a Range whose If-Range names the object served (its quoted ETag, strong comparison, or its
 * Last-Modified to the second) is served 206 as before; any other If-Range (another ETag, a weak one, another date)
 * makes the answer the whole object, 200, on GET and HEAD. The store holds it against the very version it serves.
 *
 * Before the fix, the first and third tests failed; the second passed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { adminBucket } from './support/s3.ts';

const BUCKET = 'fz3-shards';
const KEY = 'train/shard-00001.tar';
const V1 = 'old-shard:' + 'a'.repeat(54);
const V2 = 'new-shard:' + 'b'.repeat(54);

let c: S3.S3Client;
adminBucket(BUCKET, (client) => (c = client));

/** A GET (or HEAD) of KEY through a presigned URL, with `headers`, as a browser resuming a download sends it. */
async function fetchKey(headers: Record<string, string>, method: 'GET' | 'HEAD' = 'GET'): Promise<{ status: number; etag: string | null; length: string | null; range: string | null; body: string }> {
  const command = method === 'GET' ? new S3.GetObjectCommand({ Bucket: BUCKET, Key: KEY }) : new S3.HeadObjectCommand({ Bucket: BUCKET, Key: KEY });
  const r = await fetch(await getSignedUrl(c, command, { expiresIn: 60 }), { method, headers });
  return { status: r.status, etag: r.headers.get('etag'), length: r.headers.get('content-length'), range: r.headers.get('content-range'), body: await r.text() };
}

describe('fz 3: If-Range', () => {
  it('a resumed download of a replaced object gets the whole new object, 200, not a piece of it', async () => {
    const first = await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: V1 }));
    const head = await fetchKey({ range: 'bytes=0-31' });
    assert.equal(head.status, 206);
    assert.equal(head.body, V1.slice(0, 32));
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: V2 }));

    const resumed = await fetchKey({ range: 'bytes=32-', 'if-range': first.ETag ?? '' });
    assert.equal(resumed.status, 200, 'the tail of the new object was served for the old one');
    assert.equal(resumed.body, V2);
    assert.equal(resumed.range, null);
    // The same when the client kept Last-Modified instead, or a weak ETag, or the range is past the end.
    assert.equal((await fetchKey({ range: 'bytes=32-', 'if-range': new Date(Date.now() - 86_400_000).toUTCString() })).body, V2);
    const current = (await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: KEY }))).ETag ?? '';
    assert.equal((await fetchKey({ range: 'bytes=32-', 'if-range': `W/${current}` })).status, 200);
    const past = await fetchKey({ range: 'bytes=500-', 'if-range': first.ETag ?? '' });
    assert.deepEqual([past.status, past.body], [200, V2]);
  });

  it('an If-Range that names the object served keeps the Range: 206', async () => {
    const put = await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: V2 }));
    const byEtag = await fetchKey({ range: 'bytes=32-', 'if-range': put.ETag ?? '' });
    assert.deepEqual([byEtag.status, byEtag.body, byEtag.range], [206, V2.slice(32), `bytes 32-63/64`]);
    const modified = (await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: KEY }))).LastModified ?? new Date();
    const byDate = await fetchKey({ range: 'bytes=32-', 'if-range': modified.toUTCString() });
    assert.deepEqual([byDate.status, byDate.body], [206, V2.slice(32)]);
  });

  it('HeadObject: a failing If-Range answers the whole object (200, its full length)', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: V2 }));
    const r = await fetchKey({ range: 'bytes=32-', 'if-range': '"0123456789abcdef0123456789abcdef"' }, 'HEAD');
    assert.deepEqual([r.status, r.length, r.range], [200, String(V2.length), null]);
  });
});
