/**
 * Review ep, 6, against a real server with the real `@aws-sdk/client-s3` (and Debian's boto3 where installed):
 * GetObject and HeadObject `?partNumber=1` answer 206 with a Content-Range, as S3 answers a part.
 *
 * What was wrong: part 1, which the gateway serves as the whole object (review aj, 6), was answered 200 without
 * Content-Range. API_GetObject says `partNumber` "effectively performs a 'ranged' GET request for the part specified",
 * and S3 answers one so, a single-part object's part 1 included: `HTTP/1.1 206 Partial Content … Content-Range: bytes
 * 0-9/10` for a 10-byte object (captured from S3 in versity/versitygw#2074). Clients read the object's size from that
 * header: aws-c-s3's download by part (`AWS_S3_AUTO_RANGE_GET_REQUEST_TYPE_GET_PART_NUMBER`, which the CRT uses for an
 * object it expects to be one part) parses the total from the part's Content-Range and fails the download when there
 * is none ("Could not find content-range header"), and SDK v3's `ContentRange` was undefined.
 *
 * What is now so: GetObject and HeadObject with `partNumber=1` of a non-empty object are 206 with `Content-Range:
 * bytes 0-<size-1>/<size>` and the whole object's length and bytes, as before; an empty object's part 1 stays 200.
 * Without `partNumber`, nothing changes (200, no Content-Range).
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

const BUCKET = 'ep6-parts';

let server: TestServer;
let c: S3.S3Client;

before(async () => {
  server = await startTestServer();
  c = adminS3Client(server);
  await c.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
  await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'ten', Body: '0123456789' }));
  await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'empty', Body: '' }));
});

after(async () => {
  c?.destroy();
  await server?.stop();
});

describe('ep 6: partNumber=1 is a ranged answer', () => {
  it('GetObject PartNumber 1: 206, Content-Range bytes 0-9/10, every byte', async () => {
    const g = await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'ten', PartNumber: 1 }));
    assert.equal(await g.Body?.transformToString(), '0123456789');
    assert.equal(g.$metadata.httpStatusCode, 206);
    assert.equal(g.ContentRange, 'bytes 0-9/10');
    assert.equal(g.ContentLength, 10);
    // Without partNumber, as before.
    const plain = await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'ten' }));
    await plain.Body?.transformToString();
    assert.deepEqual([plain.$metadata.httpStatusCode, plain.ContentRange], [200, undefined]);
  });

  it('HeadObject PartNumber 1: 206 with the Content-Range; an empty object stays 200', async () => {
    const h = await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'ten', PartNumber: 1 }));
    assert.deepEqual([h.$metadata.httpStatusCode, h.ContentRange, h.ContentLength], [206, 'bytes 0-9/10', 10]);
    const e = await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'empty', PartNumber: 1 }));
    assert.equal(await e.Body?.transformToString(), '');
    assert.deepEqual([e.$metadata.httpStatusCode, e.ContentRange], [200, undefined]);
  });

  it('boto3: get_object(PartNumber=1) reads ContentRange', { skip: boto3Missing() ?? false }, async () => {
    const script = `
import boto3, json, os
from botocore.config import Config
s3 = boto3.client('s3', config=Config(s3={'addressing_style': 'path'}, retries={'max_attempts': 1}), endpoint_url=os.environ['ENDPOINT'], aws_access_key_id=os.environ['KEY'], aws_secret_access_key=os.environ['SECRET'], region_name='us-east-1')
r = s3.get_object(Bucket='${BUCKET}', Key='ten', PartNumber=1)
print(json.dumps({'status': r['ResponseMetadata']['HTTPStatusCode'], 'range': r.get('ContentRange'), 'body': r['Body'].read().decode()}))
`;
    const { stdout } = await promisify(execFile)(PYTHON, ['-c', script], {
      env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent', ENDPOINT: server.running.s3Url, KEY: server.admin.accessKeyId, SECRET: server.admin.secretAccessKey, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
    });
    assert.deepEqual(JSON.parse(stdout), { status: 206, range: 'bytes 0-9/10', body: '0123456789' });
  });
});
