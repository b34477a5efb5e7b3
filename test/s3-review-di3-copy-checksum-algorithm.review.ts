/**
 * Review di, 3, against a real server with the real `@aws-sdk/client-s3` (and `/usr/bin/aws` where present): CopyObject's
 * `x-amz-checksum-algorithm` gives the copy a checksum under that algorithm, as S3 does.
 *
 * What was wrong: the header was ignored. The copy kept its source's checksum (or none), so the way AWS documents to
 * change an object's checksum algorithm ("Checking object integrity": copy the object, onto itself too) did nothing,
 * and a copy asked for SHA-256 answered the source's CRC32; a copy onto itself that asked only for a new algorithm was
 * refused as a copy that changes nothing.
 *
 * What is now so (API_CopyObject): the copy's checksum is computed over the bytes copied under the algorithm asked,
 * FULL_OBJECT, and answered by CopyObjectResult and, in checksum mode, by GetObject and HeadObject; a copy onto itself
 * that asks for an algorithm is a change; an algorithm S3 does not know is 400 InvalidRequest with S3's message.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as S3 from '@aws-sdk/client-s3';
import { Crc64NvmeJs } from '@aws-sdk/checksums/crc';
import { startTestServer, type TestServer } from './support/server.ts';
import { awsCli } from './support/aws-cli.ts';
import { awsCliMissing } from './support/processes.ts';

let server: TestServer;
let c: S3.S3Client;
const B = 'di3-copy-checksum';
const BODY = Buffer.from('optimizer state, epoch 12');
const SHA256 = createHash('sha256').update(BODY).digest('base64');
const SHA1 = createHash('sha1').update(BODY).digest('base64');

before(async () => {
  server = await startTestServer();
  c = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
  await c.send(new S3.CreateBucketCommand({ Bucket: B }));
  await c.send(new S3.PutObjectCommand({ Bucket: B, Key: 'src', Body: BODY }));
});

after(async () => {
  c?.destroy();
  await server?.stop();
});

describe('CopyObject x-amz-checksum-algorithm', () => {
  it('the copy has a checksum of the asked algorithm, over its bytes', async () => {
    const copy = await c.send(new S3.CopyObjectCommand({ Bucket: B, Key: 'dst', CopySource: `${B}/src`, ChecksumAlgorithm: 'SHA256' }));
    assert.deepEqual([copy.CopyObjectResult?.ChecksumSHA256, copy.CopyObjectResult?.ChecksumType, copy.CopyObjectResult?.ChecksumCRC32], [SHA256, 'FULL_OBJECT', undefined]);
    const head = await c.send(new S3.HeadObjectCommand({ Bucket: B, Key: 'dst', ChecksumMode: 'ENABLED' }));
    assert.deepEqual([head.ChecksumSHA256, head.ChecksumCRC32, head.ChecksumType], [SHA256, undefined, 'FULL_OBJECT']);
    const got = await c.send(new S3.GetObjectCommand({ Bucket: B, Key: 'dst', ChecksumMode: 'ENABLED' }));
    assert.equal(got.ChecksumSHA256, SHA256);
    assert.equal(await got.Body?.transformToString(), BODY.toString());
  });

  it('a copy onto itself that asks only for another algorithm changes it (the way AWS documents)', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: B, Key: 'self', Body: BODY }));
    const copy = await c.send(new S3.CopyObjectCommand({ Bucket: B, Key: 'self', CopySource: `${B}/self`, ChecksumAlgorithm: 'CRC64NVME' }));
    const h = new Crc64NvmeJs();
    h.update(BODY);
    const crc64 = Buffer.from(await h.digest()).toString('base64');
    assert.equal(copy.CopyObjectResult?.ChecksumCRC64NVME, crc64);
    const head = await c.send(new S3.HeadObjectCommand({ Bucket: B, Key: 'self', ChecksumMode: 'ENABLED' }));
    assert.deepEqual([head.ChecksumCRC64NVME, head.ChecksumCRC32], [crc64, undefined]);
  });

  it('an algorithm S3 does not know: InvalidRequest, nothing copied', async () => {
    try {
      await c.send(new S3.CopyObjectCommand({ Bucket: B, Key: 'bad', CopySource: `${B}/src`, ChecksumAlgorithm: 'MD4' as S3.ChecksumAlgorithm }));
      assert.fail('expected a refusal');
    } catch (e) {
      const err = e as S3.S3ServiceException;
      assert.deepEqual([err.name, err.$metadata.httpStatusCode, err.message], ['InvalidRequest', 400, 'Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]']);
    }
    await assert.rejects(c.send(new S3.HeadObjectCommand({ Bucket: B, Key: 'bad' })), { name: 'NotFound' });
  });

  it('the aws CLI (2.9): copy-object --checksum-algorithm SHA1', { skip: awsCliMissing() }, async () => {
    const home = await mkdtemp(join(tmpdir(), 'di3-'));
    try {
      const env = { PATH: '/usr/bin:/bin', HOME: home, AWS_ACCESS_KEY_ID: server.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '' };
      const r = await awsCli(['--endpoint-url', server.running.s3Url, '--output', 'json', 's3api', 'copy-object', '--bucket', B, '--key', 'cli', '--copy-source', `${B}/src`, '--checksum-algorithm', 'SHA1'], env);
      assert.equal(r.code, 0, r.stderr);
      assert.equal((JSON.parse(r.stdout) as { CopyObjectResult: { ChecksumSHA1?: string } }).CopyObjectResult.ChecksumSHA1, SHA1);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
