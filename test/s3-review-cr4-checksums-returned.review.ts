/**
 * Review cr, 4, against a real server with the real `@aws-sdk/client-s3` at its defaults: the checksum a write sends
 * (SDK v3 sends CRC32 with every PutObject since 3.729, in a header or, for a stream, in the aws-chunked trailer) is
 * kept with the object and answered as S3 answers it.
 *
 * What was wrong: the gateway checked the checksum against the body and dropped it. PutObject answered no
 * `x-amz-checksum-crc32`, and GetObject and HeadObject with `x-amz-checksum-mode: ENABLED` (which SDK v3 sends on every
 * GetObject by default, to check the bytes it reads) answered none either: the SDK skipped its check silently, so a
 * job reading a checkpoint another job wrote with a checksum had no end-to-end check of what it read, where S3 gives
 * one (API_GetObject: "x-amz-checksum-crc32 … This header is returned only if the checksum was uploaded with the
 * object" and the checksum mode is enabled).
 *
 * What is now so: a PutObject's CRC32, CRC32C, SHA-1 or SHA-256 (header or trailer) is computed by the store and kept
 * in the object's record; PutObject answers it with `x-amz-checksum-type: FULL_OBJECT`; GetObject (whole object) and
 * HeadObject answer it when asked with the checksum mode, and the SDK checks the bytes against it; a ranged GetObject
 * does not (its bytes are not the whole object's). A copy keeps its source's checksum (the same bytes), and
 * CopyObjectResult names it. Still not kept: CRC64NVME (not computed here) and multipart objects.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let c: S3.S3Client;
const B = 'cr4-checksums';
const BODY = Buffer.from('epoch 7 weights');
const CRC32 = (() => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(crc32(BODY));
  return b.toString('base64');
})();
const SHA256 = createHash('sha256').update(BODY).digest('base64');

const client = (): S3.S3Client => new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });

before(async () => {
  server = await startTestServer({ keepDir: true });
  c = client();
  await c.send(new S3.CreateBucketCommand({ Bucket: B }));
});

after(async () => {
  c?.destroy();
  await server?.stop();
});

describe('checksums kept and answered', () => {
  it('PutObject at the SDK defaults (header, and trailer for a stream) answers the CRC32 it was sent', async () => {
    const put = await c.send(new S3.PutObjectCommand({ Bucket: B, Key: 'ckpt/header', Body: BODY }));
    assert.deepEqual([put.ChecksumCRC32, put.ChecksumType], [CRC32, 'FULL_OBJECT']);
    const streamed = await c.send(new S3.PutObjectCommand({ Bucket: B, Key: 'ckpt/trailer', Body: Readable.from([BODY]), ContentLength: BODY.length }));
    assert.deepEqual([streamed.ChecksumCRC32, streamed.ChecksumType], [CRC32, 'FULL_OBJECT']);
    const sha = await c.send(new S3.PutObjectCommand({ Bucket: B, Key: 'ckpt/sha256', Body: BODY, ChecksumAlgorithm: 'SHA256' }));
    assert.equal(sha.ChecksumSHA256, SHA256);
  });

  it('GetObject and HeadObject answer it in checksum mode (the SDK checks the bytes); a range does not', async () => {
    const got = await c.send(new S3.GetObjectCommand({ Bucket: B, Key: 'ckpt/trailer', ChecksumMode: 'ENABLED' }));
    assert.deepEqual([got.ChecksumCRC32, got.ChecksumType], [CRC32, 'FULL_OBJECT']);
    assert.equal(await got.Body?.transformToString(), BODY.toString());
    const head = await c.send(new S3.HeadObjectCommand({ Bucket: B, Key: 'ckpt/sha256', ChecksumMode: 'ENABLED' }));
    assert.deepEqual([head.ChecksumSHA256, head.ChecksumType], [SHA256, 'FULL_OBJECT']);
    const ranged = await c.send(new S3.GetObjectCommand({ Bucket: B, Key: 'ckpt/header', ChecksumMode: 'ENABLED', Range: 'bytes=0-4' }));
    assert.equal(ranged.ChecksumCRC32, undefined);
    assert.equal(await ranged.Body?.transformToString(), 'epoch');
  });

  it('a copy keeps the checksum (CopyObjectResult names it); an object written without one has none', async () => {
    const copy = await c.send(new S3.CopyObjectCommand({ Bucket: B, Key: 'ckpt/copy', CopySource: `${B}/ckpt/sha256` }));
    assert.equal(copy.CopyObjectResult?.ChecksumSHA256, SHA256);
    const head = await c.send(new S3.HeadObjectCommand({ Bucket: B, Key: 'ckpt/copy', ChecksumMode: 'ENABLED' }));
    assert.equal(head.ChecksumSHA256, SHA256);
    const plain = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1, requestChecksumCalculation: 'WHEN_REQUIRED' });
    try {
      const put = await plain.send(new S3.PutObjectCommand({ Bucket: B, Key: 'ckpt/plain', Body: BODY }));
      assert.equal(put.ChecksumCRC32, undefined);
      const h = await plain.send(new S3.HeadObjectCommand({ Bucket: B, Key: 'ckpt/plain', ChecksumMode: 'ENABLED' }));
      assert.deepEqual([h.ChecksumCRC32, h.ChecksumType], [undefined, undefined]);
    } finally {
      plain.destroy();
    }
  });

  it('the checksum survives a restart (it is in the object record)', async () => {
    c.destroy();
    await server.stopServer();
    server = await startTestServer({ dataDir: server.dataDir });
    c = client();
    const head = await c.send(new S3.HeadObjectCommand({ Bucket: B, Key: 'ckpt/header', ChecksumMode: 'ENABLED' }));
    assert.equal(head.ChecksumCRC32, CRC32);
  });
});
