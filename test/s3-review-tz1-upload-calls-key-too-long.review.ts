/**
 * Review tz, 1, against a real server with `@aws-sdk/client-s3`: ListParts and AbortMultipartUpload naming a key over
 * S3's 1,024 bytes of UTF-8.
 *
 * What was wrong: CreateMultipartUpload, UploadPart and CompleteMultipartUpload of such a key answered 400
 * KeyTooLongError (review ti, 4), but ListParts and AbortMultipartUpload answered 404 NoSuchUpload, as if an upload of
 * that key could exist and had been completed or aborted. S3 holds every object request to the key limit: 400
 * KeyTooLongError, "Your key is too long", with `<Size>` and `<MaxSizeAllowed>` (S3 API Reference, Error responses,
 * KeyTooLongError; ti, 4's sources). A sweeper aborting what ListMultipartUploads lists, or lib-storage's `Upload`
 * on its failure path, read "completed or aborted" where the truth is that no such key can be stored; the message
 * also quoted the whole over-long key.
 *
 * What is now so: ListParts and AbortMultipartUpload of a key over 1,024 bytes are decided as before (a refused
 * caller is told AccessDenied), then answered 400 KeyTooLongError with `<Size>` and `<MaxSizeAllowed>`, as the other
 * multipart calls; a key of exactly 1,024 bytes is listed and aborted as any.
 *
 * Before the fix 1 of 3 tests failed.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket, s3ClientAs, s3Refusal } from './support/s3.ts';
import { userWithPolicy, type TestServer } from './support/server.ts';

const BUCKET = 'tz1-long-upload-keys';
/** 513 characters, 1,026 bytes of UTF-8. */
const LONG = 'é'.repeat(513);
/** Exactly 1,024 bytes: the longest key S3 takes. */
const LONGEST = 'é'.repeat(512);

let c: S3.S3Client;
let s: TestServer;
adminBucket(BUCKET, (client, server) => {
  c = client;
  s = server;
});

describe('tz 1: ListParts and AbortMultipartUpload of a key over 1,024 bytes are KeyTooLongError', () => {
  let upload: string;
  before(async () => {
    upload = (await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: LONGEST }))).UploadId!;
  });

  it('ListParts and AbortMultipartUpload: 400 KeyTooLongError with Size and MaxSizeAllowed, an upload id of another key or none', async () => {
    for (const id of [upload, '0123456789abcdef0123456789abcdef']) {
      for (const command of [new S3.ListPartsCommand({ Bucket: BUCKET, Key: LONG, UploadId: id }), new S3.AbortMultipartUploadCommand({ Bucket: BUCKET, Key: LONG, UploadId: id })]) {
        const e = await c.send(command as S3.ListPartsCommand).then(
          () => assert.fail(`${command.constructor.name} was answered`),
          (err: unknown) => err as S3.S3ServiceException & Record<string, unknown>,
        );
        assert.deepEqual([e.name, e.$metadata.httpStatusCode, e.message, e.Size, e.MaxSizeAllowed, e.UploadId], ['KeyTooLongError', 400, 'Your key is too long', '1026', '1024', undefined], command.constructor.name);
      }
    }
  });

  it('a caller not allowed the call is told AccessDenied, as before', async () => {
    const stranger = s3ClientAs(s, await userWithPolicy(s, 'tz1-stranger', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' }] })));
    try {
      for (const command of [new S3.ListPartsCommand({ Bucket: BUCKET, Key: LONG, UploadId: upload }), new S3.AbortMultipartUploadCommand({ Bucket: BUCKET, Key: LONG, UploadId: upload })]) {
        assert.deepEqual((await s3Refusal(stranger.send(command as S3.ListPartsCommand))).slice(0, 2), ['AccessDenied', 403], command.constructor.name);
      }
    } finally {
      stranger.destroy();
    }
  });

  it('the upload of a key of exactly 1,024 bytes is listed and aborted', async () => {
    const part = await c.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key: LONGEST, UploadId: upload, PartNumber: 1, Body: 'x' }));
    const parts = await c.send(new S3.ListPartsCommand({ Bucket: BUCKET, Key: LONGEST, UploadId: upload }));
    assert.deepEqual([parts.Key, parts.Parts?.map((p) => p.ETag)], [LONGEST, [part.ETag]]);
    assert.equal((await c.send(new S3.AbortMultipartUploadCommand({ Bucket: BUCKET, Key: LONGEST, UploadId: upload }))).$metadata.httpStatusCode, 204);
    assert.equal((await s3Refusal(c.send(new S3.ListPartsCommand({ Bucket: BUCKET, Key: LONGEST, UploadId: upload }))))[0], 'NoSuchUpload');
  });
});
