/**
 * Review ep, 7, against a real server with the real `@aws-sdk/client-s3` and its presigner (and Debian's boto3 where
 * installed): 416 InvalidRange says the range asked and the object's size, as S3's does.
 *
 * What was wrong: the error document had Code and Message only. S3's carries `RangeRequested` and `ActualObjectSize`
 * (`<Code>InvalidRange</Code><Message>The requested range is not satisfiable</Message><RangeRequested>bytes=0-8388607
 * </RangeRequested><ActualObjectSize>0</ActualObjectSize>`), and the AWS Common Runtime depends on the latter:
 * aws-c-s3's auto-ranged GET asks an object of unknown size for its first part (`Range: bytes=0-<part size - 1>`),
 * and when that is refused, `s_check_empty_file_download_error` (source/s3_auto_ranged_get.c) reads
 * `Error/ActualObjectSize` from the XML body: 0 means an empty object, fetched again without a Range; anything else
 * fails the download. So every download of an empty object through the CRT (Mountpoint, s3torchconnector, CRT
 * transfers of the aws CLI and boto3) failed against the gateway: `_SUCCESS` markers, empty `__init__.py` files,
 * an empty shard.
 *
 * What is now so: GetObject's 416 InvalidRange document names `RangeRequested` (the Range header as sent) and
 * `ActualObjectSize`; HeadObject's 416 has no body, as before.
 *
 * Before the fix, all 3 tests failed (the boto3 one skips without python3-boto3).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as S3 from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { startTestServer, type TestServer } from './support/server.ts';
import { adminS3Client } from './support/s3.ts';
import { boto3Missing, PYTHON } from './support/processes.ts';

const BUCKET = 'ep7-markers';
const PART = 8 * 1024 * 1024;

let server: TestServer;
let c: S3.S3Client;

before(async () => {
  server = await startTestServer();
  c = adminS3Client(server);
  await c.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
  await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'run-1/_SUCCESS', Body: '' }));
  await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'run-1/metrics.json', Body: '{"loss":0.1}' }));
});

after(async () => {
  c?.destroy();
  await server?.stop();
});

/** A GET with `range`, as the CRT sends it, and the answer's status, headers and XML body. */
async function rangedGet(key: string, range: string): Promise<{ status: number; contentType: string | null; body: string }> {
  const url = await getSignedUrl(c, new S3.GetObjectCommand({ Bucket: BUCKET, Key: key }), { expiresIn: 60 });
  const r = await fetch(url, { headers: { range } });
  return { status: r.status, contentType: r.headers.get('content-type'), body: await r.text() };
}

const element = (xml: string, name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

describe('ep 7: InvalidRange names the range asked and the object size', () => {
  it("the CRT's first part of an empty object: 416 with ActualObjectSize 0, then the GET without a Range", async () => {
    const first = await rangedGet('run-1/_SUCCESS', `bytes=0-${PART - 1}`);
    assert.equal(first.status, 416);
    assert.match(first.contentType ?? '', /^application\/xml/);
    // What aws-c-s3 reads to tell an empty object: Error/ActualObjectSize = "0".
    assert.equal(element(first.body, 'ActualObjectSize'), '0', first.body);
    assert.equal(element(first.body, 'RangeRequested'), `bytes=0-${PART - 1}`);
    const again = await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'run-1/_SUCCESS' }));
    assert.equal(await again.Body?.transformToString(), '');
  });

  it('a range past the end of a non-empty object names its size', async () => {
    const r = await rangedGet('run-1/metrics.json', 'bytes=100-200');
    assert.equal(r.status, 416);
    assert.equal(element(r.body, 'Code'), 'InvalidRange');
    assert.equal(element(r.body, 'ActualObjectSize'), '12');
    assert.equal(element(r.body, 'RangeRequested'), 'bytes=100-200');
  });

  it("boto3: the error's ActualObjectSize and RangeRequested", { skip: boto3Missing() ?? false }, async () => {
    const script = `
import boto3, json, os
from botocore.config import Config
s3 = boto3.client('s3', config=Config(s3={'addressing_style': 'path'}, retries={'max_attempts': 1}), endpoint_url=os.environ['ENDPOINT'], aws_access_key_id=os.environ['KEY'], aws_secret_access_key=os.environ['SECRET'], region_name='us-east-1')
try:
    s3.get_object(Bucket='${BUCKET}', Key='run-1/_SUCCESS', Range='bytes=0-1023')
    out = 'no error'
except Exception as e:
    err = e.response['Error']
    out = {'code': err['Code'], 'size': err.get('ActualObjectSize'), 'range': err.get('RangeRequested')}
print(json.dumps(out))
`;
    const { stdout } = await promisify(execFile)(PYTHON, ['-c', script], {
      env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent', ENDPOINT: server.running.s3Url, KEY: server.admin.accessKeyId, SECRET: server.admin.secretAccessKey, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
    });
    assert.deepEqual(JSON.parse(stdout), { code: 'InvalidRange', size: '0', range: 'bytes=0-1023' });
  });
});
