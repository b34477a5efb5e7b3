/**
 * Review nu, 3, against a real server with `@aws-sdk/client-s3` and the Debian aws CLI (its part skipped without
 * it): multipart uploads under the bucket-policy guards of the S3 User Guide that read the write's encryption and ACL
 * headers.
 *
 * The contract: the User Guide's guards — "Deny s3:PutObject when StringNotEquals s3:x-amz-server-side-encryption AES256"
 * with "Deny … when Null s3:x-amz-server-side-encryption true" (protecting data with SSE-S3), and "Deny s3:PutObject
 * unless s3:x-amz-acl is bucket-owner-full-control" (bucket policy examples using condition keys) — and, in the same
 * guide (specifying SSE-S3 with the REST API), "When uploading large objects using the multipart upload API, you can
 * specify server-side encryption by adding the x-amz-server-side-encryption header to the Initiate Multipart Upload
 * request". UploadPart takes no such header (API_UploadPart lists only the SSE-C ones) and neither does
 * CompleteMultipartUpload; every one of them is an `s3:PutObject` (the gateway's table, docs/decisions.md). The aws CLI's
 * `s3 cp --sse AES256 --acl bucket-owner-full-control` sends both headers on CreateMultipartUpload only.
 *
 * What was wrong: UploadPart, UploadPartCopy and CompleteMultipartUpload were decided without the headers the upload
 * was created with: the Null guard and the StringNotEquals guards found the keys absent and denied. So under either
 * guard no multipart upload could be made, however it was begun: `aws s3 cp` of any file past its 8 MB threshold failed
 * (AccessDenied on the first part) after CreateMultipartUpload had been allowed.
 *
 * What is now so: CreateMultipartUpload's write headers (encryption, ACL and grants, storage class) are kept with the
 * upload, and its parts, part copies and completion are decided on them. An upload begun without them is still refused
 * at CreateMultipartUpload, as before.
 *
 * Before the fix 3 of 3 tests failed (the aws CLI one skips without the CLI).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket, s3Refusal } from './support/s3.ts';
import { awsCli } from './support/aws-cli.ts';
import { awsCliEnv, awsCliMissing } from './support/processes.ts';
import type { TestServer } from './support/server.ts';

const SSE = 'nu3-sse';
const ACL = 'nu3-acl';
const PART = Buffer.alloc(5 << 20, 7);
let c: S3.S3Client;
let server: TestServer;
adminBucket(SSE, (client, s) => ((c = client), (server = s)));

const policy = (...statements: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const deny = (bucket: string, sid: string, condition: object): object => ({ Sid: sid, Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${bucket}/*`, Condition: condition });

describe('nu 3: an upload’s parts and completion are decided on the headers it was created with', () => {
  before(async () => {
    await c.send(
      new S3.PutBucketPolicyCommand({
        Bucket: SSE,
        Policy: policy(deny(SSE, 'DenyIncorrectEncryptionHeader', { StringNotEquals: { 's3:x-amz-server-side-encryption': 'AES256' } }), deny(SSE, 'DenyUnEncryptedObjectUploads', { Null: { 's3:x-amz-server-side-encryption': 'true' } })),
      }),
    );
    await c.send(new S3.CreateBucketCommand({ Bucket: ACL }));
    await c.send(new S3.PutBucketPolicyCommand({ Bucket: ACL, Policy: policy(deny(ACL, 'RequireOwnerControl', { StringNotEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } })) }));
  });

  it('SSE guard: an upload created with AES256 takes its parts, a part copy and its completion', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: SSE, Key: 'tail', Body: 'the last part, copied', ServerSideEncryption: 'AES256' }));
    const up = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: SSE, Key: 'checkpoint.bin', ServerSideEncryption: 'AES256' }));
    const p1 = await c.send(new S3.UploadPartCommand({ Bucket: SSE, Key: 'checkpoint.bin', UploadId: up.UploadId, PartNumber: 1, Body: PART }));
    const p2 = await c.send(new S3.UploadPartCopyCommand({ Bucket: SSE, Key: 'checkpoint.bin', UploadId: up.UploadId, PartNumber: 2, CopySource: `${SSE}/tail` }));
    await c.send(
      new S3.CompleteMultipartUploadCommand({
        Bucket: SSE,
        Key: 'checkpoint.bin',
        UploadId: up.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.CopyPartResult?.ETag }] },
      }),
    );
    const head = await c.send(new S3.HeadObjectCommand({ Bucket: SSE, Key: 'checkpoint.bin' }));
    assert.equal(head.ContentLength, PART.length + 'the last part, copied'.length);
    // Begun without the header, refused where it begins, as before.
    assert.deepEqual((await s3Refusal(c.send(new S3.CreateMultipartUploadCommand({ Bucket: SSE, Key: 'plain.bin' })))).slice(0, 2), ['AccessDenied', 403]);
  });

  it('ACL guard: an upload created with bucket-owner-full-control takes its parts and completion; one created private does not begin', async () => {
    const up = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: ACL, Key: 'drop.bin', ACL: 'bucket-owner-full-control' }));
    const p1 = await c.send(new S3.UploadPartCommand({ Bucket: ACL, Key: 'drop.bin', UploadId: up.UploadId, PartNumber: 1, Body: 'one part' }));
    await c.send(new S3.CompleteMultipartUploadCommand({ Bucket: ACL, Key: 'drop.bin', UploadId: up.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }] } }));
    assert.equal(await (await c.send(new S3.GetObjectCommand({ Bucket: ACL, Key: 'drop.bin' }))).Body?.transformToString(), 'one part');
    assert.deepEqual((await s3Refusal(c.send(new S3.CreateMultipartUploadCommand({ Bucket: ACL, Key: 'private.bin', ACL: 'private' })))).slice(0, 2), ['AccessDenied', 403]);
  });

  describe('the aws CLI', { skip: awsCliMissing() }, () => {
    let home = '';
    before(async () => {
      home = await mkdtemp(join(tmpdir(), 'nu3-'));
      // Multipart from 5 MiB, in 5 MiB parts: a 5 MiB + 1 KiB file is two parts.
      await writeFile(join(home, 'config'), '[default]\ns3 =\n  multipart_threshold = 5MB\n  multipart_chunksize = 5MB\n');
      await writeFile(join(home, 'weights.bin'), Buffer.concat([PART, Buffer.alloc(1024, 1)]));
    });
    after(() => rm(home, { recursive: true, force: true }));

    it('`aws s3 cp --sse AES256 --acl bucket-owner-full-control` of a multipart file is stored under both guards', async () => {
      for (const bucket of [SSE, ACL]) {
        const env = { ...awsCliEnv(home, server.admin), AWS_CONFIG_FILE: join(home, 'config') };
        const r = await awsCli(['--endpoint-url', server.running.s3Url, '--region', 'us-east-1', 's3', 'cp', join(home, 'weights.bin'), `s3://${bucket}/weights.bin`, '--sse', 'AES256', '--acl', 'bucket-owner-full-control'], env, { timeoutMs: 60_000 });
        assert.equal(r.code, 0, `${bucket}: ${r.stderr}`);
        assert.equal((await c.send(new S3.HeadObjectCommand({ Bucket: bucket, Key: 'weights.bin' }))).ContentLength, PART.length + 1024, bucket);
      }
    });
  });
});
