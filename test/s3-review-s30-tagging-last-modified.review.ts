/**
 * Stop 30, against a real server with the real `@aws-sdk/client-s3`: PutObjectTagging and DeleteObjectTagging change
 * an object's tags and nothing else. S3 keeps its LastModified (tags are a subresource; a tagging write is no new
 * object version's write), so a sync tool or an `If-Modified-Since` cache does not take a retag for new data.
 *
 * What was wrong: the gateway rewrote the object as a copy onto itself, which stamped a new LastModified; and it
 * read the object, decided, then copied whatever object was under the key by then, so a PutObject racing the
 * tagging could have been overwritten by the older body. Now the object's record is rewritten with its own
 * LastModified, and only if the ETag is still the one decided on.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from './support/server.ts';

const BUCKET = 's30-tags';
let server: TestServer;
let c: S3.S3Client;

before(async () => {
  server = await startTestServer();
  c = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
  await c.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
});

after(async () => {
  c?.destroy();
  await server?.stop();
});

describe('tagging an object', () => {
  it('keeps its LastModified, ETag, Content-Type, metadata and body', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'the body', ContentType: 'text/plain', Metadata: { m: '1' }, Tagging: 'a=1' }));
    const before = await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'k' }));
    // LastModified has whole seconds on the wire: a retag a second later would show as a later one.
    await sleep(1_100);
    await c.send(new S3.PutObjectTaggingCommand({ Bucket: BUCKET, Key: 'k', Tagging: { TagSet: [{ Key: 'b', Value: '2' }] } }));
    const retagged = await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'k' }));
    assert.equal(retagged.LastModified?.toISOString(), before.LastModified?.toISOString(), 'PutObjectTagging keeps LastModified');
    assert.equal(retagged.ETag, before.ETag);
    assert.equal(retagged.ContentType, 'text/plain');
    assert.deepEqual(retagged.Metadata, { m: '1' });
    assert.deepEqual((await c.send(new S3.GetObjectTaggingCommand({ Bucket: BUCKET, Key: 'k' }))).TagSet, [{ Key: 'b', Value: '2' }]);
    await c.send(new S3.DeleteObjectTaggingCommand({ Bucket: BUCKET, Key: 'k' }));
    const untagged = await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'k' }));
    assert.equal(untagged.LastModified?.toISOString(), before.LastModified?.toISOString(), 'DeleteObjectTagging keeps LastModified');
    assert.deepEqual((await c.send(new S3.GetObjectTaggingCommand({ Bucket: BUCKET, Key: 'k' }))).TagSet, []);
    const body = await (await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'k' }))).Body?.transformToString();
    assert.equal(body, 'the body');
  });

  it('a missing object is NoSuchKey', async () => {
    await assert.rejects(c.send(new S3.PutObjectTaggingCommand({ Bucket: BUCKET, Key: 'nope', Tagging: { TagSet: [] } })), (e: Error) => e.name === 'NoSuchKey');
  });
});
