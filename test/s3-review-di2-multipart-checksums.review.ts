/**
 * Review di, 2, against a real server with the real `@aws-sdk/client-s3` (and `/usr/bin/aws` where present): a
 * multipart upload keeps the checksum it was created with, as S3 does.
 *
 * What was wrong: CreateMultipartUpload's `x-amz-checksum-algorithm` and `x-amz-checksum-type` were ignored, parts kept
 * no checksum, CompleteMultipartUpload's per-part checksums were not compared, and the object had none: a checkpoint
 * uploaded in parts with SHA-256 (or with CRC64NVME, a whole-object checksum another tool can recompute) answered no
 * checksum to GetObject and HeadObject in checksum mode, ListParts named none, and a Complete asserting a whole-object
 * CRC that the parts did not add up to was stored.
 *
 * What is now so (User Guide, "Checking object integrity", multipart uploads; API_CreateMultipartUpload,
 * API_UploadPart, API_CompleteMultipartUpload, API_ListParts): the upload keeps its algorithm and type (COMPOSITE by
 * default, FULL_OBJECT for CRC64NVME; FULL_OBJECT only with a CRC, COMPOSITE not with CRC64NVME), answered by
 * CreateMultipartUpload and ListParts. Each part's checksum under it is computed and kept (a part sent with another
 * algorithm, or with none to a COMPOSITE upload, is refused as S3 refuses it) and answered by UploadPart and ListParts.
 * Complete compares the checksums it lists (a COMPOSITE upload must list each; a wrong one is InvalidPart) and gives
 * the object a COMPOSITE checksum (the checksum of the parts' checksums, `-N`) or the FULL_OBJECT CRC of all its
 * bytes, combined from the parts' CRCs; a whole-object checksum sent with Complete that does not match is BadDigest,
 * nothing stored. The object's checksum is answered with its type by Complete, GetObject and HeadObject.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import * as S3 from '@aws-sdk/client-s3';
import { Crc64NvmeJs } from '@aws-sdk/checksums/crc';
import { startTestServer, type TestServer } from './support/server.ts';
import { adminS3Client, objectExists, s3Refusal } from './support/s3.ts';
import { awsCli } from './support/aws-cli.ts';
import { awsCliMissing } from './support/processes.ts';

let server: TestServer;
let c: S3.S3Client;
const B = 'di2-multipart-checksums';
const PART1 = Buffer.alloc(5 << 20, 'weights ');
const PART2 = Buffer.from('and the last few bytes');
const WHOLE = Buffer.concat([PART1, PART2]);
const sha256 = (b: Buffer): Buffer => createHash('sha256').update(b).digest();
const crc32b = (b: Buffer): Buffer => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(b));
  return out;
};
const crc64 = async (b: Buffer): Promise<string> => {
  const h = new Crc64NvmeJs();
  h.update(b);
  return Buffer.from(await h.digest()).toString('base64');
};

before(async () => {
  server = await startTestServer();
  c = adminS3Client(server);
  await c.send(new S3.CreateBucketCommand({ Bucket: B }));
});

after(async () => {
  c?.destroy();
  await server?.stop();
});

const refusal = s3Refusal;

const exists = (key: string): Promise<boolean> => objectExists(c, B, key);

describe('multipart checksums', () => {
  it('COMPOSITE SHA-256: kept per part, listed, combined into the `-N` checksum of the object', async () => {
    const key = 'composite-sha256';
    const u = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: B, Key: key, ChecksumAlgorithm: 'SHA256' }));
    assert.deepEqual([u.ChecksumAlgorithm, u.ChecksumType], ['SHA256', 'COMPOSITE']);
    const p1 = await c.send(new S3.UploadPartCommand({ Bucket: B, Key: key, UploadId: u.UploadId, PartNumber: 1, Body: PART1, ChecksumAlgorithm: 'SHA256' }));
    const p2 = await c.send(new S3.UploadPartCommand({ Bucket: B, Key: key, UploadId: u.UploadId, PartNumber: 2, Body: PART2, ChecksumAlgorithm: 'SHA256' }));
    assert.deepEqual([p1.ChecksumSHA256, p2.ChecksumSHA256], [sha256(PART1).toString('base64'), sha256(PART2).toString('base64')]);
    const listed = await c.send(new S3.ListPartsCommand({ Bucket: B, Key: key, UploadId: u.UploadId }));
    assert.deepEqual([listed.ChecksumAlgorithm, listed.ChecksumType], ['SHA256', 'COMPOSITE']);
    assert.deepEqual(listed.Parts?.map((p) => p.ChecksumSHA256), [p1.ChecksumSHA256, p2.ChecksumSHA256]);
    const parts = [
      { PartNumber: 1, ETag: p1.ETag, ChecksumSHA256: p1.ChecksumSHA256 },
      { PartNumber: 2, ETag: p2.ETag, ChecksumSHA256: p2.ChecksumSHA256 },
    ];
    // A COMPOSITE upload's Complete names every part's checksum; a wrong one does not name the part uploaded.
    assert.deepEqual(await refusal(c.send(new S3.CompleteMultipartUploadCommand({ Bucket: B, Key: key, UploadId: u.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, parts[1]!] } }))), [
      'InvalidRequest',
      400,
      'The upload was created using a sha256 checksum. The complete request must include the checksum for each part. It was missing for part 1 in the request.',
    ]);
    assert.equal((await refusal(c.send(new S3.CompleteMultipartUploadCommand({ Bucket: B, Key: key, UploadId: u.UploadId, MultipartUpload: { Parts: [parts[0]!, { ...parts[1]!, ChecksumSHA256: parts[0]!.ChecksumSHA256 }] } }))))[0], 'InvalidPart');
    assert.equal(await exists(key), false);
    const composite = `${sha256(Buffer.concat([sha256(PART1), sha256(PART2)])).toString('base64')}-2`;
    const done = await c.send(new S3.CompleteMultipartUploadCommand({ Bucket: B, Key: key, UploadId: u.UploadId, MultipartUpload: { Parts: parts } }));
    assert.deepEqual([done.ChecksumSHA256, done.ChecksumType], [composite, 'COMPOSITE']);
    const head = await c.send(new S3.HeadObjectCommand({ Bucket: B, Key: key, ChecksumMode: 'ENABLED' }));
    assert.deepEqual([head.ChecksumSHA256, head.ChecksumType], [composite, 'COMPOSITE']);
    const got = await c.send(new S3.GetObjectCommand({ Bucket: B, Key: key, ChecksumMode: 'ENABLED' }));
    assert.deepEqual([got.ChecksumSHA256, got.ChecksumType], [composite, 'COMPOSITE']);
    assert.ok(Buffer.from((await got.Body?.transformToByteArray()) ?? []).equals(WHOLE));
  });

  it('a part sent with another algorithm, or with none, is refused as S3 refuses it', async () => {
    const key = 'part-mismatch';
    const u = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: B, Key: key, ChecksumAlgorithm: 'SHA256' }));
    // SDK v3 sends CRC32 when told nothing.
    assert.deepEqual(await refusal(c.send(new S3.UploadPartCommand({ Bucket: B, Key: key, UploadId: u.UploadId, PartNumber: 1, Body: PART2 }))), [
      'InvalidRequest',
      400,
      'Checksum Type mismatch occurred, expected checksum Type: sha256, actual checksum Type: crc32',
    ]);
    const plain = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1, requestChecksumCalculation: 'WHEN_REQUIRED' });
    try {
      assert.deepEqual(await refusal(plain.send(new S3.UploadPartCommand({ Bucket: B, Key: key, UploadId: u.UploadId, PartNumber: 1, Body: PART2 }))), [
        'InvalidRequest',
        400,
        'Checksum Type mismatch occurred, expected checksum Type: sha256, actual checksum Type: null',
      ]);
    } finally {
      plain.destroy();
    }
    const listed = await c.send(new S3.ListPartsCommand({ Bucket: B, Key: key, UploadId: u.UploadId }));
    assert.equal(listed.Parts?.length ?? 0, 0);
  });

  it('FULL_OBJECT CRC64NVME: the CRC of all the bytes, which the SDK checks on GetObject', async () => {
    const key = 'full-crc64nvme';
    const u = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: B, Key: key, ChecksumAlgorithm: 'CRC64NVME' }));
    assert.deepEqual([u.ChecksumAlgorithm, u.ChecksumType], ['CRC64NVME', 'FULL_OBJECT']);
    const p1 = await c.send(new S3.UploadPartCommand({ Bucket: B, Key: key, UploadId: u.UploadId, PartNumber: 1, Body: PART1, ChecksumAlgorithm: 'CRC64NVME' }));
    const p2 = await c.send(new S3.UploadPartCommand({ Bucket: B, Key: key, UploadId: u.UploadId, PartNumber: 2, Body: PART2, ChecksumAlgorithm: 'CRC64NVME' }));
    assert.equal(p2.ChecksumCRC64NVME, await crc64(PART2));
    // FULL_OBJECT: the parts' checksums may be left out of Complete.
    const done = await c.send(new S3.CompleteMultipartUploadCommand({ Bucket: B, Key: key, UploadId: u.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] } }));
    const whole = await crc64(WHOLE);
    assert.deepEqual([done.ChecksumCRC64NVME, done.ChecksumType], [whole, 'FULL_OBJECT']);
    const got = await c.send(new S3.GetObjectCommand({ Bucket: B, Key: key, ChecksumMode: 'ENABLED' }));
    assert.deepEqual([got.ChecksumCRC64NVME, got.ChecksumType], [whole, 'FULL_OBJECT']);
    assert.ok(Buffer.from((await got.Body?.transformToByteArray()) ?? []).equals(WHOLE));
  });

  it('FULL_OBJECT CRC32 with a whole-object checksum on Complete: a wrong one is BadDigest, nothing stored; the right one is taken', async () => {
    const key = 'full-crc32';
    const u = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: B, Key: key, ChecksumAlgorithm: 'CRC32', ChecksumType: 'FULL_OBJECT' }));
    assert.deepEqual([u.ChecksumAlgorithm, u.ChecksumType], ['CRC32', 'FULL_OBJECT']);
    const p1 = await c.send(new S3.UploadPartCommand({ Bucket: B, Key: key, UploadId: u.UploadId, PartNumber: 1, Body: PART1, ChecksumAlgorithm: 'CRC32' }));
    const p2 = await c.send(new S3.UploadPartCommand({ Bucket: B, Key: key, UploadId: u.UploadId, PartNumber: 2, Body: PART2, ChecksumAlgorithm: 'CRC32' }));
    const parts = { Parts: [{ PartNumber: 1, ETag: p1.ETag, ChecksumCRC32: p1.ChecksumCRC32 }, { PartNumber: 2, ETag: p2.ETag, ChecksumCRC32: p2.ChecksumCRC32 }] };
    const right = crc32b(WHOLE).toString('base64');
    assert.deepEqual(await refusal(c.send(new S3.CompleteMultipartUploadCommand({ Bucket: B, Key: key, UploadId: u.UploadId, MultipartUpload: parts, ChecksumCRC32: crc32b(PART2).toString('base64'), ChecksumType: 'FULL_OBJECT' }))), [
      'BadDigest',
      400,
      'The crc32 you specified did not match the calculated checksum.',
    ]);
    assert.equal(await exists(key), false);
    const done = await c.send(new S3.CompleteMultipartUploadCommand({ Bucket: B, Key: key, UploadId: u.UploadId, MultipartUpload: parts, ChecksumCRC32: right, ChecksumType: 'FULL_OBJECT' }));
    assert.deepEqual([done.ChecksumCRC32, done.ChecksumType], [right, 'FULL_OBJECT']);
    const head = await c.send(new S3.HeadObjectCommand({ Bucket: B, Key: key, ChecksumMode: 'ENABLED' }));
    assert.deepEqual([head.ChecksumCRC32, head.ChecksumType], [right, 'FULL_OBJECT']);
  });

  it('CreateMultipartUpload refuses what S3 refuses', async () => {
    assert.deepEqual(await refusal(c.send(new S3.CreateMultipartUploadCommand({ Bucket: B, Key: 'x', ChecksumAlgorithm: 'SHA256', ChecksumType: 'FULL_OBJECT' }))), [
      'InvalidRequest',
      400,
      'The FULL_OBJECT checksum type cannot be used with the SHA256 checksum algorithm.',
    ]);
    assert.deepEqual(await refusal(c.send(new S3.CreateMultipartUploadCommand({ Bucket: B, Key: 'x', ChecksumAlgorithm: 'CRC64NVME', ChecksumType: 'COMPOSITE' }))), [
      'InvalidRequest',
      400,
      'The COMPOSITE checksum type cannot be used with the CRC64NVME checksum algorithm.',
    ]);
    assert.deepEqual(await refusal(c.send(new S3.CreateMultipartUploadCommand({ Bucket: B, Key: 'x', ChecksumType: 'COMPOSITE' }))), [
      'InvalidRequest',
      400,
      'The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.',
    ]);
  });

  it('the aws CLI (2.9): create-multipart-upload --checksum-algorithm SHA256, parts, complete, head-object --checksum-mode', { skip: awsCliMissing() }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'di2-'));
    try {
      await writeFile(join(dir, 'part'), PART2);
      const env = { PATH: '/usr/bin:/bin', HOME: dir, AWS_ACCESS_KEY_ID: server.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '' };
      const aws = async (...args: string[]): Promise<Record<string, unknown>> => {
        const r = await awsCli(['--endpoint-url', server.running.s3Url, '--output', 'json', 's3api', ...args], env);
        assert.equal(r.code, 0, r.stderr);
        return r.stdout.trim() === '' ? {} : (JSON.parse(r.stdout) as Record<string, unknown>);
      };
      const key = 'cli-composite';
      const u = await aws('create-multipart-upload', '--bucket', B, '--key', key, '--checksum-algorithm', 'SHA256');
      const part = await aws('upload-part', '--bucket', B, '--key', key, '--upload-id', String(u['UploadId']), '--part-number', '1', '--body', join(dir, 'part'), '--checksum-algorithm', 'SHA256');
      assert.equal(part['ChecksumSHA256'], sha256(PART2).toString('base64'));
      const listed = await aws('list-parts', '--bucket', B, '--key', key, '--upload-id', String(u['UploadId']));
      assert.equal((listed['Parts'] as { ChecksumSHA256?: string }[])[0]?.ChecksumSHA256, part['ChecksumSHA256']);
      const parts = JSON.stringify({ Parts: [{ PartNumber: 1, ETag: part['ETag'], ChecksumSHA256: part['ChecksumSHA256'] }] });
      await aws('complete-multipart-upload', '--bucket', B, '--key', key, '--upload-id', String(u['UploadId']), '--multipart-upload', parts);
      const head = await aws('head-object', '--bucket', B, '--key', key, '--checksum-mode', 'ENABLED');
      assert.equal(head['ChecksumSHA256'], `${sha256(sha256(PART2)).toString('base64')}-1`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
