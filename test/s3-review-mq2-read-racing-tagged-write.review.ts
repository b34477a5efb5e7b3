/**
 * Review mq, 2: a GetObject (or an UploadPartCopy's read of its source) racing a PutObject that tags the key secret was
 * decided on the older object's tags and served the newer object's bytes.
 *
 * What was wrong: the use case reads the object's record (`headObject`), decides `s3:GetObject` with its tags as
 * `s3:ExistingObjectTag/*`, and only then asks the store for the bytes, which serves whatever version is the key's at
 * that moment. A write committed between the two reads (the same key rewritten by a pipeline with
 * `classification=secret`) was served under the decision made on the version before it: the usual Deny on
 * `s3:ExistingObjectTag/classification = secret` did not hold against a read racing the write that made the object
 * secret, and an UploadPartCopy copied the secret bytes into a part its caller then completes and reads. The store
 * already pins and serves one version; the decision was not about that version.
 *
 * What S3 does: it decides a request on the object it serves (User Guide, "Tagging and access control policies": the
 * condition key is the object's existing tags); a Deny on a tag holds for every read of an object bearing it. Review bj
 * fixed the same race for PutObjectTagging (decided again when the tags it read changed).
 *
 * What is now so: when the version the store serves has other tags than the one decided on, the read is decided again
 * on the served version's tags (the decision's one input from the object), and refused, its stream closed, when that
 * decision refuses. The race is made certain here by a store that runs the racing write between the use case's read
 * of the record and its read of the bytes, as review bj's test does; the last test checks the gateway through
 * `@aws-sdk/client-s3`.
 *
 * Before the fix 2 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import * as S3 from '@aws-sdk/client-s3';
import type { ObjectStore } from '../src/app/ports/objects.ts';
import { callOf, readerCaller, startRacingObjects, type RacingObjects } from './support/racing-objects.ts';
import type { TestServer } from './support/server.ts';

const BUCKET = 'mq2-race';
let server: TestServer;
let objects: RacingObjects;
let store: ObjectStore;
let s3: RacingObjects['s3'];

const put = (key: string, text: string, tags?: Record<string, string>): Promise<void> => objects.put(key, text, tags);

const textOf = async (stream: Readable): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

before(async () => {
  // The store the use case is given: the racing write runs where its `getObject` reaches the store, after it read the
  // object's record and decided on it.
  objects = await startRacingObjects(BUCKET, 'getObject');
  ({ server, store, s3 } = objects);
});

after(async () => {
  await objects?.close();
});

describe('review mq2: a read racing a write that tags the key secret', () => {
  it('GetObject: decided again on the version served, and refused (before the fix: the secret bytes were served)', async () => {
    await put('report', 'public draft', { classification: 'public' });
    objects.race(() => put('report', 'secret figures', { classification: 'secret' }));
    const r = await s3.getObject(callOf(readerCaller()), BUCKET, 'report');
    if (r.ok) {
      const text = await textOf(r.value.stream);
      assert.fail(`served \`${text}\` of an object tagged ${JSON.stringify(r.value.info.tags)}`);
    }
    assert.equal(r.error.code, 'AccessDenied');
    assert.match(r.error.message, /s3:GetObject/);
  });

  it('UploadPartCopy: the secret source is not copied into the part (before the fix: it was)', async () => {
    await put('source', 'public draft', { classification: 'public' });
    const caller = callOf(readerCaller());
    const up = await s3.createUpload(caller, { bucket: BUCKET, key: 'copy' });
    assert.ok(up.ok, JSON.stringify(up));
    // As long as the public draft: a source of another length was refused as an IncompleteBody part, by luck.
    objects.race(() => put('source', 'secret plans', { classification: 'secret' }));
    const r = await s3.uploadPartCopy(caller, { bucket: BUCKET, key: 'source' }, { bucket: BUCKET, key: 'copy', uploadId: up.value.uploadId, partNumber: 1 });
    assert.equal(r.ok ? 'copied' : r.error.code, 'AccessDenied');
    const parts = await store.listParts(BUCKET, 'copy', up.value.uploadId, {});
    assert.ok(parts.ok, JSON.stringify(parts));
    assert.equal(parts.value.parts.length, 0, 'no part was written');
  });

  it('a racing write that keeps the object readable: the newer bytes are served, not refused', async () => {
    await put('notes', 'first', { classification: 'public' });
    objects.race(() => put('notes', 'second', { classification: 'internal' }));
    const r = await s3.getObject(callOf(readerCaller()), BUCKET, 'notes');
    assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
    assert.equal(await textOf(r.value.stream), 'second');
  });

  it('through @aws-sdk/client-s3: a tagged object is read and refused by its tags as before', async () => {
    const c = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
    try {
      await c.send(new S3.CreateBucketCommand({ Bucket: 'mq2-live' }));
      await c.send(new S3.PutObjectCommand({ Bucket: 'mq2-live', Key: 'k', Body: 'tagged', Tagging: 'classification=secret' }));
      const got = await c.send(new S3.GetObjectCommand({ Bucket: 'mq2-live', Key: 'k' }));
      assert.equal(await got.Body?.transformToString(), 'tagged');
      assert.equal(got.TagCount, 1);
    } finally {
      c.destroy();
    }
  });
});
