/**
 * Review nn, finding 2, against a real server, restarted on its data dir, with the real `@aws-sdk/client-s3`.
 *
 * The contract: S3 answers a CompleteMultipartUpload of an upload it completed, naming the same key and parts, as it
 * answered the first: 200 with the object's ETag (CompleteMultipartUpload is idempotent; adobe/S3Mock#2586 shows it
 * against S3, and review ni, 1 made the gateway do so). The SDKs and the CLI send that retry when they did not get the
 * first answer (a reset connection, a 5xx, a timeout), and the commonest reason a server's answer is lost is the server
 * going away: a restart, a deploy, a crash after the object was stored.
 *
 * What was wrong: the completed uploads were remembered in memory only, so the retry a client sent to the restarted
 * server was refused 404 NoSuchUpload, and the client reported a failed upload of an object that is stored. Now the
 * completion is written beside the bucket's uploads and read back at start, for as long as it is kept in memory (an
 * hour); another parts list or key is still NoSuchUpload.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucketRestartable } from './support/s3.ts';
import { errorName } from './support/server.ts';

const BUCKET = 'nn2-complete-retry';
let c: S3.S3Client;
const server = adminBucketRestartable(BUCKET, (client) => (c = client));

test('nn2: a Complete retried after the server restarted answers 200 with the first answer\'s ETag; other parts are NoSuchUpload', async () => {
  const key = 'restarted/object.bin';
  const id = (await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }))).UploadId!;
  const one = await c.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: id, PartNumber: 1, Body: 'the only part' }));
  const parts = [{ PartNumber: 1, ETag: one.ETag! }];
  const first = await c.send(new S3.CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: id, MultipartUpload: { Parts: parts } }));
  assert.match(first.ETag ?? '', /^"[0-9a-f]{32}-1"$/);
  await server.restart(async () => undefined);

  assert.equal(await errorName(c.send(new S3.CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: id, MultipartUpload: { Parts: [{ PartNumber: 2, ETag: one.ETag! }] } }))), 'NoSuchUpload');
  assert.equal(await errorName(c.send(new S3.CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'restarted/elsewhere.bin', UploadId: id, MultipartUpload: { Parts: parts } }))), 'NoSuchUpload');
  const again = await c.send(new S3.CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: id, MultipartUpload: { Parts: parts } }));
  assert.equal(again.$metadata.httpStatusCode, 200);
  assert.equal(again.ETag, first.ETag);
  assert.equal((await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: key }))).ETag, first.ETag);
  // The upload takes no part, and is listed nowhere.
  assert.equal(await errorName(c.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: id, PartNumber: 2, Body: 'more' }))), 'NoSuchUpload');
  assert.equal((await c.send(new S3.ListMultipartUploadsCommand({ Bucket: BUCKET }))).Uploads?.length ?? 0, 0);
});

test('nn2: a bucket whose completed uploads are remembered is empty, and is deleted', async () => {
  await c.send(new S3.DeleteObjectCommand({ Bucket: BUCKET, Key: 'restarted/object.bin' }));
  await c.send(new S3.DeleteBucketCommand({ Bucket: BUCKET }));
  assert.equal(await errorName(c.send(new S3.HeadBucketCommand({ Bucket: BUCKET }))), 'NotFound');
});
