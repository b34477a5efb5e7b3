/**
 * Review ep, 1, against a real server with the real `@aws-sdk/client-s3` (and Debian's boto3 where installed):
 * HeadObject takes a `Range`, as GetObject does.
 *
 * What was wrong: HeadObject ignored the header and answered 200 with the whole object's Content-Length and no
 * Content-Range. API_HeadObject documents `Range` ("If the Range is satisfiable, only the ContentLength is affected in
 * the response. If the Range is not satisfiable, S3 returns a 416 - Requested Range Not Satisfiable error"), and the
 * AWS Common Runtime relies on it: aws-c-s3's auto-ranged GET (source/s3_auto_ranged_get.c,
 * `s_s3_get_request_type_for_discovering_object_size`) sends a GetObject that carries a Range as a HeadObject with that
 * Range first, "relying on the service to handle turning the Range header into a Content-Range response header", and
 * fails the download when the answer has none ("Could not find content-range header"). That is the client under
 * Mountpoint for Amazon S3 and s3torchconnector (whose range-based reader asks byte ranges of shards), and under the
 * aws CLI's and boto3's CRT transfers: every ranged read of theirs failed against the gateway, and a client that sized
 * a read by HeadObject's Content-Length read the whole object for a range.
 *
 * What is now so: a satisfiable Range is answered 206 with the range's Content-Length and `Content-Range: bytes
 * a-b/size`, resolved as GetObject resolves it (an end past the object is clamped, `-n` is the last n bytes); an
 * unsatisfiable one is 416 InvalidRange with `Content-Range: bytes *\/size`; a HeadObject without Range is as before.
 * Preconditions are held first (304 / 412), as for a HeadObject without Range.
 *
 * Before the fix, all 4 tests failed (the boto3 one skips without python3-boto3).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from './support/server.ts';
import { adminS3Client } from './support/s3.ts';
import { boto3Missing, PYTHON } from './support/processes.ts';

const BUCKET = 'ep1-shards';
const BODY = 'hello ranged world';

let server: TestServer;
let c: S3.S3Client;

before(async () => {
  server = await startTestServer();
  c = adminS3Client(server);
  await c.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
  await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'shard-0.tar', Body: BODY }));
});

after(async () => {
  c?.destroy();
  await server?.stop();
});

const head = (Range?: string, extra: Partial<S3.HeadObjectCommandInput> = {}) => c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'shard-0.tar', ...(Range !== undefined ? { Range } : {}), ...extra }));

async function status(p: Promise<unknown>): Promise<number | undefined> {
  try {
    await p;
  } catch (e) {
    return (e as S3.S3ServiceException).$metadata?.httpStatusCode;
  }
  return assert.fail('expected the request to be refused');
}

describe('ep 1: HeadObject with a Range', () => {
  it('a satisfiable range is 206 with the range length and Content-Range, resolved as GetObject resolves it', async () => {
    const size = BODY.length;
    for (const [Range, start, end] of [
      ['bytes=0-4', 0, 4],
      ['bytes=6-', 6, size - 1],
      ['bytes=6-1000', 6, size - 1],
      ['bytes=-5', size - 5, size - 1],
      ['bytes=-1000', 0, size - 1],
    ] as const) {
      const h = await head(Range);
      assert.equal(h.$metadata.httpStatusCode, 206, Range);
      assert.equal(h.ContentLength, end - start + 1, Range);
      assert.equal(h.ContentRange, `bytes ${start}-${end}/${size}`, Range);
      // The GetObject of the same Range says the same.
      const g = await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'shard-0.tar', Range }));
      assert.equal(await g.Body?.transformToString(), BODY.slice(start, end + 1), Range);
      assert.equal(g.ContentRange, h.ContentRange, Range);
    }
  });

  it("an unsatisfiable range is 416, as GetObject's", async () => {
    assert.equal(await status(head('bytes=100-')), 416);
    assert.equal(await status(head('bytes=-0')), 416);
    assert.equal(await status(c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'shard-0.tar', Range: 'bytes=100-' }))), 416);
  });

  it("the CRT's ranged download: HeadObject with the GET's Range, then the range its Content-Range names, in parts", async () => {
    // What aws-c-s3 does for a GetObject with `Range: bytes=3-14` and a part size of 5: HEAD with the Range, read
    // the range's bounds from Content-Range, GET them part by part.
    const h = await head('bytes=3-14');
    const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(h.ContentRange ?? '');
    assert.ok(m, `HeadObject with a Range answers a Content-Range (got ${String(h.ContentRange)})`);
    const [first, last] = [Number(m[1]), Number(m[2])];
    let got = '';
    for (let at = first; at <= last; at += 5) {
      const part = await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'shard-0.tar', Range: `bytes=${at}-${Math.min(at + 4, last)}`, IfMatch: h.ETag }));
      got += await part.Body?.transformToString();
    }
    assert.equal(got, BODY.slice(3, 15));
    // Without a Range, HeadObject is as it was: the whole object, 200, no Content-Range.
    const whole = await head();
    assert.equal(whole.$metadata.httpStatusCode, 200);
    assert.equal(whole.ContentLength, BODY.length);
    assert.equal(whole.ContentRange, undefined);
    // Preconditions are held first, as without a Range.
    assert.equal(await status(head('bytes=0-4', { IfNoneMatch: whole.ETag })), 304);
    assert.equal(await status(head('bytes=0-4', { IfMatch: '"0123"' })), 412);
  });

  it('boto3: head_object(Range=…) reads the range length', { skip: boto3Missing() ?? false }, async () => {
    const script = `
import boto3, json, os
from botocore.config import Config
s3 = boto3.client('s3', config=Config(s3={'addressing_style': 'path'}, retries={'max_attempts': 1}), endpoint_url=os.environ['ENDPOINT'], aws_access_key_id=os.environ['KEY'], aws_secret_access_key=os.environ['SECRET'], region_name='us-east-1')
h = s3.head_object(Bucket='${BUCKET}', Key='shard-0.tar', Range='bytes=2-9')
print(json.dumps({'status': h['ResponseMetadata']['HTTPStatusCode'], 'length': h['ContentLength'], 'range': h['ResponseMetadata']['HTTPHeaders'].get('content-range')}))
`;
    const { stdout } = await promisify(execFile)(PYTHON, ['-c', script], {
      env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent', ENDPOINT: server.running.s3Url, KEY: server.admin.accessKeyId, SECRET: server.admin.secretAccessKey, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
    });
    assert.deepEqual(JSON.parse(stdout), { status: 206, length: 8, range: `bytes 2-9/${BODY.length}` });
  });
});
