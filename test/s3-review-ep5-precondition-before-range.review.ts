/**
 * Review ep, 5, against a real server with the real `@aws-sdk/client-s3` (and Debian's boto3 where installed): a
 * GetObject's preconditions are held before its Range, so If-Match on an object that changed is 412 even when the
 * range no longer fits it.
 *
 * What was wrong: the Range was resolved first, and a range past the end of the object was 416 InvalidRange whatever
 * the request's If-Match said. RFC 9110 §13.2.2 evaluates the preconditions first ("a server MUST ignore the Range
 * header if …" it answers a failed precondition), and S3 answers them that way. A ranged download sends If-Match with
 * the ETag it saw at the start (s3transfer since 0.11, behind boto3's `download_file` and `aws s3 cp`: `IfMatch:
 * transfer_future.meta.etag` on each ranged GetObject, and a 412 becomes "Contents of stored object … did not match
 * expected ETag"; the CRT likewise): when a checkpoint it was reading is rewritten smaller meanwhile, its next ranges
 * start past the new end, and it was told InvalidRange, a range error for a range it computed correctly, instead of
 * that the object changed. An If-None-Match that matched (a cache revalidating) was 416 too, not 304.
 *
 * What is now so: an unsatisfiable Range is 416 only once the preconditions hold; If-Match that fails is 412, If-None-Match
 * that matches 304 (If-Unmodified-Since and If-Modified-Since as without a Range).
 *
 * Before the fix, all 3 tests failed (the boto3 one skips without python3-boto3).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from './support/server.ts';
import { adminS3Client } from './support/s3.ts';
import { boto3Missing, PYTHON } from './support/processes.ts';

const BUCKET = 'ep5-checkpoints';
const MiB = 1024 * 1024;

let server: TestServer;
let c: S3.S3Client;

before(async () => {
  server = await startTestServer();
  c = adminS3Client(server);
  await c.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
});

after(async () => {
  c?.destroy();
  await server?.stop();
});

async function refusal(p: Promise<unknown>): Promise<[string, number | undefined]> {
  try {
    await p;
  } catch (e) {
    const err = e as S3.S3ServiceException;
    return [err.name, err.$metadata?.httpStatusCode];
  }
  return assert.fail('expected the request to be refused');
}

describe('ep 5: preconditions before the Range', () => {
  it("a ranged download's If-Match on an object rewritten smaller is 412, not 416", async () => {
    // What s3transfer does for a 3 MiB object with 1 MiB parts: HeadObject, then ranged GETs with If-Match.
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'rank-0.pt', Body: Buffer.alloc(3 * MiB, 1) }));
    const seen = await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'rank-0.pt' }));
    const first = await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'rank-0.pt', Range: `bytes=0-${MiB - 1}`, IfMatch: seen.ETag }));
    assert.equal((await first.Body?.transformToByteArray())?.length, MiB);
    // The trainer writes the next checkpoint, smaller, meanwhile.
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'rank-0.pt', Body: Buffer.alloc(MiB / 2, 2) }));
    assert.deepEqual(await refusal(c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'rank-0.pt', Range: `bytes=${2 * MiB}-${3 * MiB - 1}`, IfMatch: seen.ETag }))), ['PreconditionFailed', 412]);
    assert.deepEqual(await refusal(c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'rank-0.pt', Range: `bytes=${MiB}-`, IfUnmodifiedSince: new Date(Date.now() - 3_600_000) }))), ['PreconditionFailed', 412]);
    // With the current ETag, the range is what is wrong: 416.
    const now = await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'rank-0.pt' }));
    assert.equal((await refusal(c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'rank-0.pt', Range: `bytes=${MiB}-`, IfMatch: now.ETag }))))[1], 416);
  });

  it('If-None-Match that matches, with a range past the end, is 304', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'small', Body: 'tiny' }));
    const h = await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'small' }));
    assert.equal((await refusal(c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'small', Range: 'bytes=100-', IfNoneMatch: h.ETag }))))[1], 304);
    assert.equal((await refusal(c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'small', Range: 'bytes=100-', IfModifiedSince: new Date() }))))[1], 304);
    // Without preconditions: 416 as before.
    assert.equal((await refusal(c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'small', Range: 'bytes=100-' }))))[1], 416);
  });

  it('boto3: get_object(Range=…, IfMatch=<old ETag>) after a smaller rewrite raises PreconditionFailed', { skip: boto3Missing() ?? false }, async () => {
    const script = `
import boto3, json, os
from botocore.config import Config
s3 = boto3.client('s3', config=Config(s3={'addressing_style': 'path'}, retries={'max_attempts': 1}), endpoint_url=os.environ['ENDPOINT'], aws_access_key_id=os.environ['KEY'], aws_secret_access_key=os.environ['SECRET'], region_name='us-east-1')
s3.put_object(Bucket='${BUCKET}', Key='boto.pt', Body=b'a' * 4096)
etag = s3.head_object(Bucket='${BUCKET}', Key='boto.pt')['ETag']
s3.put_object(Bucket='${BUCKET}', Key='boto.pt', Body=b'b' * 100)
try:
    s3.get_object(Bucket='${BUCKET}', Key='boto.pt', Range='bytes=2048-4095', IfMatch=etag)
    code = 'no error'
except Exception as e:
    code = e.response['Error']['Code']
print(json.dumps(code))
`;
    const { stdout } = await promisify(execFile)(PYTHON, ['-c', script], {
      env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent', ENDPOINT: server.running.s3Url, KEY: server.admin.accessKeyId, SECRET: server.admin.secretAccessKey, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
    });
    assert.equal(JSON.parse(stdout), 'PreconditionFailed');
  });
});
