/**
 * Review qj, 2, against a real server with the real `@aws-sdk/client-s3`: an `aws-chunked` body whose chunks, other
 * than the last, are smaller than 8 KiB.
 *
 * What was wrong: any chunk size was taken. S3 refuses such a body, signed or not: 400 `InvalidChunkSizeError`, "Only
 * the last chunk is allowed to have a size less than 8192 bytes", with `<Chunk>` (the chunk whose header showed that
 * the small one was not the last) and `<BadChunkSize>` (versity/versitygw#1683 quotes S3's document). SDK v3 streams a
 * body in the pieces its stream yields and has a setting for exactly this refusal (`requestStreamBufferSize`, whose
 * name it adds to the message; its own end-to-end test expects S3 to refuse 8-byte pieces). So an upload that worked
 * here failed on S3, and the gateway spent a chunk header, a line parse and, for signed chunks, a SHA-256 and an HMAC on
 * every few bytes of a body that may be 5 GiB long.
 *
 * What is now so: a chunk smaller than 8192 bytes followed by another data chunk is refused 400 InvalidChunkSizeError
 * with S3's message, Chunk and BadChunkSize, as soon as the next chunk's header arrives; nothing is stored. Chunks of
 * 8 KiB or more with a smaller last one are stored as before.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket, objectExists } from './support/s3.ts';

const BUCKET = 'qj2-small-chunks';
let c: S3.S3Client;
adminBucket(BUCKET, (client) => {
  c = client;
});

/** `data` as a stream of `size`-byte pieces: SDK v3 sends each as one aws-chunked chunk. */
const pieces = (data: Buffer, size: number): Readable => Readable.from(Array.from({ length: Math.ceil(data.length / size) }, (_, i) => data.subarray(i * size, (i + 1) * size)));

describe('qj 2: aws-chunked chunks other than the last are at least 8192 bytes', () => {
  it('8-byte chunks are refused InvalidChunkSizeError with Chunk and BadChunkSize; nothing is stored', async () => {
    const data = randomBytes(24 * 1024);
    let error: (S3.S3ServiceException & { Chunk?: string; BadChunkSize?: string }) | undefined;
    try {
      await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'small', Body: pieces(data, 8), ContentLength: data.length }));
    } catch (e) {
      error = e as typeof error;
    }
    assert.ok(error !== undefined, 'the upload was refused');
    assert.equal(error.name, 'InvalidChunkSizeError');
    assert.equal(error.$metadata.httpStatusCode, 400);
    assert.match(error.message, /^Only the last chunk is allowed to have a size less than 8192 bytes/);
    assert.equal(error.Chunk, '2');
    assert.equal(error.BadChunkSize, '8');
    assert.equal(await objectExists(c, BUCKET, 'small'), false);
  });

  it('chunks of 8 KiB and more with a short last one are stored', async () => {
    const data = randomBytes(8192 * 3 + 100);
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'sized', Body: pieces(data, 8192), ContentLength: data.length }));
    const got = await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'sized' }));
    assert.deepEqual(Buffer.from((await got.Body?.transformToByteArray()) ?? []), data);
  });
});
