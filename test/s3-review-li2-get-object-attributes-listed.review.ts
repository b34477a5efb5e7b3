/**
 * Review li, 2, against a real server with `@aws-sdk/client-s3`: GetObjectAttributes (`GET /<bucket>/<key>?attributes`
 * with `x-amz-object-attributes`), which SDK v3's GetObjectAttributesCommand, `aws s3api get-object-attributes` and
 * tools that read an object's parts or checksum without its bytes send.
 *
 * What was wrong: the gateway answers it `501 NotImplemented` (it serves no `?attributes` sub-resource), but the
 * README's S3 section, which lists what is refused so that a user knows before a tool fails in production, did not
 * name it: its list of unserved sub-resources gave `?metadataTable`, `?renameObject`, `?retention`, and a user reading
 * it would take GetObjectAttributes, an ordinary read in S3's API, to be served with GetObject.
 *
 * What is now so: the README names GetObjectAttributes as not served (501) and says what to use instead (HeadObject,
 * with `x-amz-checksum-mode: ENABLED` for the checksum); the test holds the README and the answer together, and checks
 * that the 501 names the sub-resource and that HeadObject gives the attributes it points to.
 *
 * Before the fix 1 of 3 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket } from './support/s3.ts';

const BUCKET = 'li2-object-attributes';
let c: S3.S3Client;
adminBucket(BUCKET, (client) => (c = client));

/** README.md's S3 gateway section (from its heading to the next `### `). */
function s3Section(): string {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('### 5. Data through the S3 gateway');
  assert.ok(start >= 0, 'the README has its S3 gateway section');
  const end = readme.indexOf('\n### ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

describe('li 2: what the README says of GetObjectAttributes is what the gateway does', () => {
  // Review ls, 1 made the gateway serve GetObjectAttributes: the README and the answer are still held together.
  it('GetObjectAttributesCommand is served', async () => {
    const put = await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'some bytes' }));
    const a = await c.send(new S3.GetObjectAttributesCommand({ Bucket: BUCKET, Key: 'k', ObjectAttributes: ['ETag', 'ObjectSize'] }));
    assert.equal(a.ETag, put.ETag?.replaceAll('"', ''));
    assert.equal(a.ObjectSize, 'some bytes'.length);
  });

  it('the README S3 section lists GetObjectAttributes as served', () => {
    const line = s3Section().split('\n').find((l) => l.includes('GetObjectAttributes'));
    assert.ok(line !== undefined, 'the README S3 section names GetObjectAttributes');
    assert.match(line, /served/);
    assert.doesNotMatch(line, /501 NotImplemented/);
  });

  it('HeadObject, which the README points to instead, gives the ETag, size and checksum', async () => {
    const put = await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'h', Body: 'head bytes', ChecksumAlgorithm: 'CRC32' }));
    const head = await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'h', ChecksumMode: 'ENABLED' }));
    assert.equal(head.ETag, put.ETag);
    assert.equal(head.ContentLength, 'head bytes'.length);
    assert.equal(head.ChecksumCRC32, put.ChecksumCRC32);
  });
});
