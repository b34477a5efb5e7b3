/**
 * Review ep, 4, against a real server with the real `@aws-sdk/client-s3`: a tag set S3 would refuse is refused with
 * 400 InvalidTag saying why, whichever way it comes, and nothing is written.
 *
 * S3's rules (User Guide, "Managing object tags"): "You can associate up to 10 tags with an object. Tags associated
 * with an object must have unique tag keys. A tag key can be up to 128 Unicode characters in length and tag values can
 * be up to 256 Unicode characters in length"; a set that breaks them is InvalidTag ("The tag provided was not a valid
 * tag", API_PutObjectTagging's special errors).
 *
 * What was wrong: the `x-amz-tagging` header of PutObject, CreateMultipartUpload and CopyObject (`TaggingDirective:
 * REPLACE`) was taken as it came: 11 tags were stored, a key sent twice (`owner=alice&owner=bob`) was kept with its
 * last value without a word, and keys and values of any length were kept; so an object could hold a tag set that
 * PutObjectTagging then refused to write back (a get-modify-put of its tags failed), and that S3 never holds. And
 * PutObjectTagging refused 11 tags or a repeated key as MalformedXML ("The XML you provided was not well-formed…"),
 * which says nothing of the cause, while it took a key of 200 characters.
 *
 * What is now so: all four writes check the set before anything is decided or stored: more than 10 tags, a repeated
 * key, an empty key, a key over 128 or a value over 256 characters is 400 InvalidTag with S3's message and the count,
 * key or length at fault. A document that is not a Tagging stays MalformedXML.
 *
 * Before the fix, all 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from './support/server.ts';
import { adminS3Client, objectExists, s3Refusal } from './support/s3.ts';

const BUCKET = 'ep4-tags';
const ELEVEN = Array.from({ length: 11 }, (_, i) => `k${i}=v`).join('&');

let server: TestServer;
let c: S3.S3Client;

before(async () => {
  server = await startTestServer();
  c = adminS3Client(server);
  await c.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
  await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'source', Body: 'src', Tagging: 'team=vision' }));
});

after(async () => {
  c?.destroy();
  await server?.stop();
});

const uploadsOf = async (Key: string): Promise<number> => ((await c.send(new S3.ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: Key }))).Uploads ?? []).length;

describe('ep 4: tag sets S3 would refuse are InvalidTag', () => {
  it('PutObject x-amz-tagging: 11 tags, a repeated key, a long key or value; nothing stored', async () => {
    for (const [Tagging, why] of [
      [ELEVEN, /Object tags cannot be greater than 10/],
      ['owner=alice&owner=bob', /Cannot provide multiple Tags with the same key: `owner`/],
      [`${'k'.repeat(129)}=v`, /The TagKey you have provided is too long, max 128/],
      [`k=${'v'.repeat(257)}`, /The TagValue you have provided is too long, max 256/],
    ] as const) {
      const [name, status, message] = await s3Refusal(c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'put', Body: 'x', Tagging })));
      assert.deepEqual([name, status], ['InvalidTag', 400], Tagging.slice(0, 40));
      assert.match(message, why);
      assert.equal(await objectExists(c, BUCKET, 'put'), false);
    }
    // At the limits: taken. (128 and 256 characters, one above U+FFFF (𝐀, a letter) counted once.)
    const ten = Array.from({ length: 10 }, (_, i) => `k${i}=v`).join('&');
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'put', Body: 'x', Tagging: ten }));
    assert.equal((await c.send(new S3.GetObjectTaggingCommand({ Bucket: BUCKET, Key: 'put' }))).TagSet?.length, 10);
    const longest = `${encodeURIComponent(`${'é'.repeat(127)}𝐀`)}=${encodeURIComponent('𝐀'.repeat(256))}`;
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'put-long', Body: 'x', Tagging: longest }));
  });

  it('CreateMultipartUpload x-amz-tagging: refused, no upload begun', async () => {
    const [name, status] = await s3Refusal(c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'mpu', Tagging: 'a=1&a=2' })));
    assert.deepEqual([name, status], ['InvalidTag', 400]);
    assert.equal(await uploadsOf('mpu'), 0);
  });

  it('CopyObject with TaggingDirective REPLACE: refused, nothing copied', async () => {
    const [name, status] = await s3Refusal(c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'copy', CopySource: `${BUCKET}/source`, TaggingDirective: 'REPLACE', Tagging: ELEVEN })));
    assert.deepEqual([name, status], ['InvalidTag', 400]);
    assert.equal(await objectExists(c, BUCKET, 'copy'), false);
  });

  it('PutObjectTagging: InvalidTag saying why (it was MalformedXML, or taken); the tags are unchanged', async () => {
    const set = (TagSet: S3.Tag[]) => c.send(new S3.PutObjectTaggingCommand({ Bucket: BUCKET, Key: 'source', Tagging: { TagSet } }));
    for (const [TagSet, why] of [
      [Array.from({ length: 11 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })), /greater than 10/],
      [[{ Key: 'team', Value: 'a' }, { Key: 'team', Value: 'b' }], /same key: `team`/],
      [[{ Key: 'k'.repeat(200), Value: 'v' }], /TagKey you have provided is too long/],
    ] as const) {
      const [name, status, message] = await s3Refusal(set([...TagSet]));
      assert.deepEqual([name, status], ['InvalidTag', 400]);
      assert.match(message, why);
    }
    assert.deepEqual((await c.send(new S3.GetObjectTaggingCommand({ Bucket: BUCKET, Key: 'source' }))).TagSet, [{ Key: 'team', Value: 'vision' }]);
  });
});
