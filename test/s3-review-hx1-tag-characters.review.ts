/**
 * Review hx, 1, against a real server with the real `@aws-sdk/client-s3`: a tag S3 refuses for its characters or its
 * reserved `aws:` prefix is refused, 400 InvalidTag, whichever way it comes, and nothing is written.
 *
 * What was wrong: S3 takes a tag key or value only of letters, digits and spaces of any script and `_ . : / = + - @`
 * (API_control_S3Tag: `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`; a `,` in a PutObject tag is "The TagValue you have provided
 * is invalid"), and no key beginning `aws:` ("Your TagKey cannot be prefixed with aws:"). The gateway checked only the
 * count and lengths: `x-amz-tagging: aws:createdBy=me`, `project=a,b` or a value with a control character were stored,
 * and so was a PutObjectTagging of them; a pipeline written against the gateway then failed against S3, and an object
 * carried a tag in the namespace AWS keeps for itself, which a policy's `s3:ExistingObjectTag/aws:…` condition reads.
 *
 * What is now so: PutObject, CreateMultipartUpload, CopyObject (TaggingDirective REPLACE) and PutObjectTagging refuse
 * such a tag with 400 InvalidTag naming the key at fault; letters of any script (one above U+FFFF too), digits,
 * white space (a line feed, a tab) and the eight signs are taken as before.
 *
 * Before the fix, 2 of the 3 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket, objectExists, s3Refusal } from './support/s3.ts';

const BUCKET = 'hx1-tags';
let c: S3.S3Client;
adminBucket(BUCKET, (client) => (c = client));

const REFUSED: readonly [string, RegExp][] = [
  ['aws:createdBy=me', /TagKey .*aws:/],
  ['AWS:x=1', /TagKey .*aws:/],
  ['project=a,b', /TagValue you have provided is invalid/],
  ['note=hi%01there', /TagValue you have provided is invalid/],
  ['cost*center=1', /TagKey you have provided is invalid/],
];

describe('hx 1: tag characters and the aws: prefix', () => {
  it('x-amz-tagging of PutObject, CreateMultipartUpload and CopyObject: InvalidTag, nothing written', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'source', Body: 'src' }));
    for (const [Tagging, why] of REFUSED) {
      const put = await s3Refusal(c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'put', Body: 'x', Tagging })));
      assert.deepEqual(put.slice(0, 2), ['InvalidTag', 400], Tagging);
      assert.match(put[2], why);
      assert.equal(await objectExists(c, BUCKET, 'put'), false);
      const mpu = await s3Refusal(c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'mpu', Tagging })));
      assert.deepEqual(mpu.slice(0, 2), ['InvalidTag', 400], Tagging);
      const copy = await s3Refusal(c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'copy', CopySource: `${BUCKET}/source`, TaggingDirective: 'REPLACE', Tagging })));
      assert.deepEqual(copy.slice(0, 2), ['InvalidTag', 400], Tagging);
      assert.equal(await objectExists(c, BUCKET, 'copy'), false);
    }
    assert.equal(((await c.send(new S3.ListMultipartUploadsCommand({ Bucket: BUCKET }))).Uploads ?? []).length, 0);
  });

  it('PutObjectTagging: InvalidTag, the tags unchanged', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'tagged', Body: 'x', Tagging: 'team=vision' }));
    for (const TagSet of [[{ Key: 'aws:cloudformation:stack-name', Value: 's' }], [{ Key: 'team', Value: 'a;b' }], [{ Key: 'a#b', Value: '' }]]) {
      const [name, status] = await s3Refusal(c.send(new S3.PutObjectTaggingCommand({ Bucket: BUCKET, Key: 'tagged', Tagging: { TagSet } })));
      assert.deepEqual([name, status], ['InvalidTag', 400], JSON.stringify(TagSet));
    }
    assert.deepEqual((await c.send(new S3.GetObjectTaggingCommand({ Bucket: BUCKET, Key: 'tagged' }))).TagSet, [{ Key: 'team', Value: 'vision' }]);
  });

  it('letters of any script, digits, spaces and _ . : / = + - @ are taken', async () => {
    const TagSet = [
      { Key: 'Ünïcode 日本語 𝐀', Value: 'ok 123 _.:/=+-@' },
      { Key: 'team/ml-platform', Value: 'owner@example.com' },
      { Key: 'awsome', Value: '' },
      { Key: 'x:aws:y', Value: 'aws:fine in a value' },
    ];
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'good', Body: 'x', Tagging: TagSet.map((t) => `${encodeURIComponent(t.Key)}=${encodeURIComponent(t.Value)}`).join('&') }));
    assert.deepEqual((await c.send(new S3.GetObjectTaggingCommand({ Bucket: BUCKET, Key: 'good' }))).TagSet, TagSet);
    await c.send(new S3.PutObjectTaggingCommand({ Bucket: BUCKET, Key: 'good', Tagging: { TagSet: TagSet.slice(1) } }));
    assert.deepEqual((await c.send(new S3.GetObjectTaggingCommand({ Bucket: BUCKET, Key: 'good' }))).TagSet, TagSet.slice(1));
  });
});
