/**
 * Review es, 2, against a real server with the real `@aws-sdk/client-s3` (and Debian's boto3 where installed): a
 * `Content-MD5` that is not an MD5 is 400 InvalidDigest, refused before the body is read.
 *
 * What was wrong: the gateway took any `Content-MD5` value, read the whole body (up to 5 GiB on PutObject and
 * UploadPart) and then answered 400 BadDigest "the body does not match its `Content-MD5`", which tells a client its
 * bytes were damaged in transit (botocore and SDK v3 retry nothing on it; a person checks the file) when the header was
 * malformed. S3 tells the two apart (Amazon S3 API Reference, "Error responses": InvalidDigest, "The Content-MD5 or
 * checksum value that you specified is not valid", 400; BadDigest, "did not match what the server received"), as it
 * already did here for an `x-amz-checksum-*` value that is not a digest (review cr): "The Content-MD5 you specified
 * was not valid." A valid MD5 that the body does not match stays BadDigest.
 *
 * Before the fix, all 3 tests failed (the boto3 one skips without python3-boto3).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as S3 from '@aws-sdk/client-s3';
import type { TestServer } from './support/server.ts';
import { adminBucket, objectExists, s3Refusal } from './support/s3.ts';
import { boto3Missing, PYTHON } from './support/processes.ts';

const BUCKET = 'es2-content-md5';
const md5 = (s: string): string => createHash('md5').update(s).digest('base64');

let server: TestServer;
let c: S3.S3Client;
adminBucket(BUCKET, (client, s) => {
  c = client;
  server = s;
});

describe('es 2: a Content-MD5 that is not an MD5', () => {
  it('PutObject: InvalidDigest for a value not base64, or of another length; BadDigest stays for a wrong MD5', async () => {
    for (const bad of ['zzz', md5('x').slice(0, 20), createHash('sha1').update('x').digest('base64'), createHash('md5').update('hello').digest('hex')]) {
      assert.deepEqual(await s3Refusal(c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'hello', ContentMD5: bad }))), ['InvalidDigest', 400, 'The Content-MD5 you specified was not valid.'], bad);
    }
    assert.equal(await objectExists(c, BUCKET, 'k'), false);
    const [code, status] = await s3Refusal(c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'hello', ContentMD5: md5('x') })));
    assert.deepEqual([code, status], ['BadDigest', 400]);
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'hello', ContentMD5: md5('hello') }));
    assert.equal(await objectExists(c, BUCKET, 'k'), true);
  });

  it('UploadPart and DeleteObjects: InvalidDigest too', async () => {
    const up = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp' }));
    assert.deepEqual(await s3Refusal(c.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key: 'mp', UploadId: up.UploadId, PartNumber: 1, Body: 'part', ContentMD5: 'not-an-md5' }))), ['InvalidDigest', 400, 'The Content-MD5 you specified was not valid.']);
    const parts = await c.send(new S3.ListPartsCommand({ Bucket: BUCKET, Key: 'mp', UploadId: up.UploadId }));
    assert.equal(parts.Parts?.length ?? 0, 0);
    c.middlewareStack.add((next) => async (args) => {
      const request = args.request as { headers: Record<string, string> };
      if (request.headers['content-md5'] !== undefined || (args.input as { Delete?: unknown }).Delete !== undefined) request.headers['content-md5'] = 'AAAA';
      return next(args);
    }, { step: 'build', name: 'es2-bad-md5', priority: 'low' });
    try {
      const [code, status] = await s3Refusal(c.send(new S3.DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'k' }] } })));
      assert.deepEqual([code, status], ['InvalidDigest', 400]);
    } finally {
      c.middlewareStack.remove('es2-bad-md5');
    }
    assert.equal(await objectExists(c, BUCKET, 'k'), true);
  });

  it('boto3: put_object with a malformed ContentMD5 reads InvalidDigest', { skip: boto3Missing() ?? false }, async () => {
    const script = `
import boto3, json, os
from botocore.config import Config
from botocore.exceptions import ClientError
s3 = boto3.client('s3', config=Config(s3={'addressing_style': 'path'}, retries={'max_attempts': 1}), endpoint_url=os.environ['ENDPOINT'], aws_access_key_id=os.environ['KEY'], aws_secret_access_key=os.environ['SECRET'], region_name='us-east-1')
try:
    s3.put_object(Bucket='${BUCKET}', Key='boto', Body=b'hello', ContentMD5='xyz')
    print(json.dumps({'stored': True}))
except ClientError as e:
    print(json.dumps({'code': e.response['Error']['Code'], 'status': e.response['ResponseMetadata']['HTTPStatusCode']}))
`;
    const { stdout } = await promisify(execFile)(PYTHON, ['-c', script], {
      env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent', ENDPOINT: server.running.s3Url, KEY: server.admin.accessKeyId, SECRET: server.admin.secretAccessKey, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
    });
    assert.deepEqual(JSON.parse(stdout), { code: 'InvalidDigest', status: 400 });
  });
});
