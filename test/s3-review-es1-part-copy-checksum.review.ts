/**
 * Review es, 1, against a real server with the real `@aws-sdk/client-s3` and Debian's boto3 where installed:
 * UploadPartCopy answers the copied part's checksum when its upload has a checksum algorithm.
 *
 * What was wrong: the gateway computed and kept the copied part's checksum under its upload's algorithm (ListParts
 * showed it), but CopyPartResult carried only ETag and LastModified. API_CopyPartResult has `ChecksumCRC32`,
 * `ChecksumCRC32C`, `ChecksumCRC64NVME`, `ChecksumSHA1` and `ChecksumSHA256` ("This checksum is present if the
 * multipart upload request was created with the CRC32 checksum algorithm", and so on), and clients build the
 * CompleteMultipartUpload part list from it: s3transfer's `CopyPartTask` keeps `CopyPartResult['ChecksumCRC32']` for
 * each part. So a multipart copy with a checksum algorithm (`aws s3 cp s3://b/big s3://b/copy --checksum-algorithm
 * CRC32`, boto3's `s3.copy(…, ExtraArgs={'ChecksumAlgorithm': 'CRC32'})`, any object over the CLI's 8 MiB threshold)
 * listed no part checksums and was refused at Complete: "The upload was created using a crc32 checksum. The complete
 * request must include the checksum for each part. It was missing for part 1 in the request." The copy failed.
 *
 * What is now so: CopyPartResult names the part's checksum element of its upload's algorithm; an upload without one
 * answers as before (no checksum element).
 *
 * Before the fix, both tests failed (the boto3 one skips without python3-boto3).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from './support/server.ts';
import { adminS3Client } from './support/s3.ts';
import { boto3Missing, PYTHON } from './support/processes.ts';

const BUCKET = 'es1-part-copy';
const MIB = 1024 * 1024;
// Over the aws CLI's and s3transfer's 8 MiB multipart threshold: the copy is UploadPartCopy of 8 MiB parts.
const big = randomBytes(10 * MIB);

let server: TestServer;
let c: S3.S3Client;

before(async () => {
  server = await startTestServer();
  c = adminS3Client(server);
  await c.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
  await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'big', Body: big }));
});

after(async () => {
  c?.destroy();
  await server?.stop();
});

describe('es 1: UploadPartCopy answers its part checksum', () => {
  it('SDK v3: CopyPartResult has ChecksumSHA256 of the copied range, and Complete takes it', async () => {
    const up = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'sdk', ChecksumAlgorithm: 'SHA256' }));
    const ranges = [[0, 5 * MIB - 1], [5 * MIB, big.length - 1]] as const;
    const parts: S3.CompletedPart[] = [];
    for (const [i, [start, end]] of ranges.entries()) {
      const r = await c.send(new S3.UploadPartCopyCommand({ Bucket: BUCKET, Key: 'sdk', UploadId: up.UploadId, PartNumber: i + 1, CopySource: `${BUCKET}/big`, CopySourceRange: `bytes=${start}-${end}` }));
      assert.equal(r.CopyPartResult?.ChecksumSHA256, createHash('sha256').update(big.subarray(start, end + 1)).digest('base64'));
      parts.push({ PartNumber: i + 1, ETag: r.CopyPartResult?.ETag, ChecksumSHA256: r.CopyPartResult?.ChecksumSHA256 });
    }
    await c.send(new S3.CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'sdk', UploadId: up.UploadId, MultipartUpload: { Parts: parts } }));
    const g = await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'sdk' }));
    assert.ok(Buffer.from(await g.Body!.transformToByteArray()).equals(big));
    // Without an algorithm, no checksum element, as before.
    const plain = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'plain' }));
    const p = await c.send(new S3.UploadPartCopyCommand({ Bucket: BUCKET, Key: 'plain', UploadId: plain.UploadId, PartNumber: 1, CopySource: `${BUCKET}/big` }));
    assert.deepEqual(Object.keys(p.CopyPartResult ?? {}).sort(), ['ETag', 'LastModified']);
  });

  it("boto3: a multipart copy as s3transfer's CopyPartTask makes it, each part's ChecksumCRC32C from CopyPartResult", { skip: boto3Missing() ?? false }, async () => {
    // s3transfer >= 0.11 (boto3's s3.copy, `aws s3 cp s3://… s3://…` with --checksum-algorithm): CreateMultipartUpload
    // with the ExtraArgs' ChecksumAlgorithm, UploadPartCopy of 8 MiB ranges, Complete with `CopyPartResult[Checksum<ALG>]`.
    // Debian's s3transfer predates that, so its calls are made here as it makes them.
    const script = `
import boto3, json, os
from botocore.config import Config
s3 = boto3.client('s3', config=Config(s3={'addressing_style': 'path'}, retries={'max_attempts': 1}), endpoint_url=os.environ['ENDPOINT'], aws_access_key_id=os.environ['KEY'], aws_secret_access_key=os.environ['SECRET'], region_name='us-east-1')
B, size, chunk = '${BUCKET}', ${big.length}, 8 * 1024 * 1024
up = s3.create_multipart_upload(Bucket=B, Key='boto-copy', ChecksumAlgorithm='CRC32C')['UploadId']
parts = []
for n, start in enumerate(range(0, size, chunk), 1):
    r = s3.upload_part_copy(Bucket=B, Key='boto-copy', UploadId=up, PartNumber=n, CopySource={'Bucket': B, 'Key': 'big'}, CopySourceRange='bytes=%d-%d' % (start, min(size, start + chunk) - 1))
    part = {'ETag': r['CopyPartResult']['ETag'], 'PartNumber': n}
    if 'ChecksumCRC32C' in r['CopyPartResult']:
        part['ChecksumCRC32C'] = r['CopyPartResult']['ChecksumCRC32C']
    parts.append(part)
s3.complete_multipart_upload(Bucket=B, Key='boto-copy', UploadId=up, MultipartUpload={'Parts': parts})
h = s3.head_object(Bucket=B, Key='boto-copy', ChecksumMode='ENABLED')
print(json.dumps({'size': h['ContentLength'], 'crc32c': h.get('ChecksumCRC32C', '')[-2:]}))
`;
    const { stdout } = await promisify(execFile)(PYTHON, ['-c', script], {
      env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent', ENDPOINT: server.running.s3Url, KEY: server.admin.accessKeyId, SECRET: server.admin.secretAccessKey, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
    });
    assert.deepEqual(JSON.parse(stdout), { size: big.length, crc32c: '-2' });
  });
});
