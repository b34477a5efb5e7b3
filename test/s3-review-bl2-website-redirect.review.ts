/**
 * Review bl, 2, against a real server with the real `@aws-sdk/client-s3`: an object's website redirect location
 * (`x-amz-website-redirect-location`) is kept and answered, as S3 does (API_PutObject, API_HeadObject).
 *
 * What was wrong: the gateway dropped the header. PutObject stored the object and HeadObject and GetObject answered
 * without it, so a site published through the gateway lost every redirect its deploy tool wrote (`aws s3 cp
 * --website-redirect`, s3 website sync tools set it on placeholder objects), and a value S3 refuses (`example.com/x`,
 * no scheme) was taken without a word.
 *
 * What is now so: PutObject, CreateMultipartUpload and CopyObject keep it; HeadObject and GetObject answer it. A copy
 * never takes the source's, with either metadata directive (API_CopyObject: "x-amz-website-redirect-location is unique
 * to each object and is not copied when using the x-amz-metadata-directive header. To copy the value, you must specify
 * x-amz-website-redirect-location in the request header"), and a copy onto itself that sets only the redirect is
 * legal. A value that does not start with `/`, `http://` or `https://`, or is longer than S3's 2 KB, is
 * 400 InvalidRedirectLocation, nothing stored. PutObjectTagging keeps it; an object stored by an earlier version (no
 * such field in its record) has none.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucketRestartable, storedAsEarlierVersion } from './support/s3.ts';

const BUCKET = 'bl2-redirects';
const MiB = 1024 * 1024;

let c: S3.S3Client;
const bucket = adminBucketRestartable(BUCKET, (client) => {
  c = client;
});

const redirectOf = async (key: string): Promise<string | undefined> => (await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: key }))).WebsiteRedirectLocation;

async function refusal(p: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as S3.S3ServiceException;
    return { name: err.name, status: err.$metadata.httpStatusCode, message: err.message };
  }
  return assert.fail('expected the request to be refused');
}

const exists = async (key: string): Promise<boolean> => ((await c.send(new S3.ListObjectsV2Command({ Bucket: BUCKET, Prefix: key }))).Contents ?? []).some((o) => o.Key === key);

describe('2: the website redirect location is kept and answered', () => {
  it('PutObject: HeadObject and GetObject answer it; an object without one has none', async () => {
    for (const [Key, WebsiteRedirectLocation] of [
      ['docs/old.html', '/docs/new.html'],
      ['docs/away.html', 'https://example.com/docs/?page=1&x=%20'],
      ['docs/plain.html', 'http://example.com'],
    ] as const) {
      await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key, Body: 'r', WebsiteRedirectLocation }));
      assert.equal(await redirectOf(Key), WebsiteRedirectLocation);
      const got = await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key }));
      await got.Body?.transformToByteArray();
      assert.equal(got.WebsiteRedirectLocation, WebsiteRedirectLocation);
    }
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'docs/index.html', Body: '<html/>' }));
    assert.equal(await redirectOf('docs/index.html'), undefined);
    // At S3's limit, 2 KB.
    const longest = `/${'a'.repeat(2047)}`;
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'docs/longest', Body: 'r', WebsiteRedirectLocation: longest }));
    assert.equal(await redirectOf('docs/longest'), longest);
    // PutObjectTagging keeps it.
    await c.send(new S3.PutObjectTaggingCommand({ Bucket: BUCKET, Key: 'docs/old.html', Tagging: { TagSet: [{ Key: 'k', Value: 'v' }] } }));
    assert.equal(await redirectOf('docs/old.html'), '/docs/new.html');
  });

  it('a multipart object has CreateMultipartUpload\'s', async () => {
    const Key = 'multipart/moved';
    const { UploadId } = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key, WebsiteRedirectLocation: '/multipart/here' }));
    const p1 = await c.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key, UploadId, PartNumber: 1, Body: Buffer.alloc(5 * MiB, 1) }));
    const p2 = await c.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key, UploadId, PartNumber: 2, Body: Buffer.alloc(10, 2) }));
    await c.send(new S3.CompleteMultipartUploadCommand({ Bucket: BUCKET, Key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag ?? '' }, { PartNumber: 2, ETag: p2.ETag ?? '' }] } }));
    assert.equal(await redirectOf(Key), '/multipart/here');
  });

  it('CopyObject never copies the source\'s (COPY or REPLACE): the copy has the request\'s, or none; onto itself it may set only the redirect', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'copy/source', Body: 'src', ContentType: 'text/html', Metadata: { team: 'web' }, WebsiteRedirectLocation: '/copy/target' }));
    await c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'copy/plain', CopySource: `${BUCKET}/copy/source` }));
    const plain = await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'copy/plain' }));
    assert.deepEqual([plain.WebsiteRedirectLocation, plain.ContentType, plain.Metadata], [undefined, 'text/html', { team: 'web' }]);
    await c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'copy/replace-none', CopySource: `${BUCKET}/copy/source`, MetadataDirective: 'REPLACE', ContentType: 'text/html' }));
    assert.equal(await redirectOf('copy/replace-none'), undefined);
    await c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'copy/with', CopySource: `${BUCKET}/copy/source`, WebsiteRedirectLocation: 'https://example.com/' }));
    assert.equal(await redirectOf('copy/with'), 'https://example.com/');
    await c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'copy/replace-with', CopySource: `${BUCKET}/copy/source`, MetadataDirective: 'REPLACE', WebsiteRedirectLocation: '/elsewhere' }));
    assert.equal(await redirectOf('copy/replace-with'), '/elsewhere');
    // Onto itself, COPY, with only a redirect: legal, its metadata stays.
    await c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'copy/plain', CopySource: `${BUCKET}/copy/plain`, WebsiteRedirectLocation: '/copy/moved' }));
    const self = await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'copy/plain' }));
    assert.deepEqual([self.WebsiteRedirectLocation, self.ContentType, self.Metadata], ['/copy/moved', 'text/html', { team: 'web' }]);
    // Onto itself with neither: still the illegal copy S3 refuses.
    const same = await refusal(c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'copy/plain', CopySource: `${BUCKET}/copy/plain` })));
    assert.equal(same.name, 'InvalidRequest');
  });

  it('a value without `/`, `http://` or `https://` in front, or over 2 KB, is 400 InvalidRedirectLocation; nothing is stored', async () => {
    for (const [Key, WebsiteRedirectLocation] of [
      ['bad/no-scheme', 'example.com/page.html'],
      ['bad/relative', 'page.html'],
      ['bad/ftp', 'ftp://example.com/f'],
      ['bad/too-long', `/${'a'.repeat(2048)}`],
    ] as const) {
      const r = await refusal(c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key, Body: 'x', WebsiteRedirectLocation })));
      assert.equal(r.name, 'InvalidRedirectLocation', `${WebsiteRedirectLocation}: ${r.message}`);
      assert.equal(r.status, 400);
      assert.equal(await exists(Key), false);
    }
    const prefix = await refusal(c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'bad/no-scheme', Body: 'x', WebsiteRedirectLocation: 'example.com/page.html' })));
    assert.match(prefix.message, /^The website redirect location must have a prefix of 'http:\/\/' or 'https:\/\/' or '\/'/);
    assert.ok(prefix.message.includes('`example.com/page.html`'), prefix.message);
    const long = await refusal(c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'bad/too-long', Body: 'x', WebsiteRedirectLocation: `/${'a'.repeat(2048)}` })));
    assert.match(long.message, /2049 bytes.*2048/);
    const create = await refusal(c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'bad/upload', WebsiteRedirectLocation: 'nowhere' })));
    assert.equal(create.name, 'InvalidRedirectLocation');
    assert.deepEqual((await c.send(new S3.ListMultipartUploadsCommand({ Bucket: BUCKET }))).Uploads ?? [], []);
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'bad/source', Body: 's' }));
    const copy = await refusal(c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'bad/copy', CopySource: `${BUCKET}/bad/source`, WebsiteRedirectLocation: 'nowhere' })));
    assert.equal(copy.name, 'InvalidRedirectLocation');
    assert.equal(await exists('bad/copy'), false);
  });

  it('an object stored by an earlier version (no such field in its record) has none', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'legacy', Body: 'old', WebsiteRedirectLocation: '/was' }));
    // The record as the previous version wrote it: the same fields, and nothing else.
    await bucket.restart((dataDir) => storedAsEarlierVersion(dataDir, BUCKET, 'legacy', ['format', 'key', 'vid', 'block', 'sizes', 'etag', 'lastModified', 'contentType', 'metadata', 'headers', 'tags', 'sha256']));
    assert.equal(await redirectOf('legacy'), undefined);
    const got = await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'legacy' }));
    assert.equal(await got.Body?.transformToString(), 'old');
    // The objects written since are still served with theirs.
    assert.equal(await redirectOf('docs/old.html'), '/docs/new.html');
  });
});
