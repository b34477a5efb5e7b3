/**
 * Review bj of stop 30's CopyObject REPLACE fix (4730d48), against a real server: a copy with `MetadataDirective:
 * REPLACE` and no Content-Type takes S3's default, `binary/octet-stream` (minio/minio#7238, compared with AWS), the
 * type this gateway gives a PutObject without one. The fix stored an empty type, which GetObject and HeadObject
 * served as `application/octet-stream`: unlike S3 and unlike the gateway's own PutObject (boto3's `put_object`
 * without a type reads back `binary/octet-stream`, its `copy_object(..., MetadataDirective='REPLACE')` read
 * `application/octet-stream`). The aws CLI v2's `aws s3 cp s3://b/k s3://b/k2 --metadata-directive REPLACE` sends no
 * Content-Type (v2 guesses none for copies: aws/aws-cli#6078), so it takes the default too.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from './support/server.ts';
import { awsCli } from './support/aws-cli.ts';
import { awsCliMissing } from './support/processes.ts';

const BUCKET = 'bj-copy-type';
let server: TestServer;
let c: S3.S3Client;

before(async () => {
  server = await startTestServer();
  c = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
  await c.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
  await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'page.html', Body: '<p>hi</p>', ContentType: 'text/html', Metadata: { a: '1' } }));
});

after(async () => {
  c?.destroy();
  await server?.stop();
});

const typeOf = async (key: string): Promise<string | undefined> => (await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: key }))).ContentType;

describe('CopyObject REPLACE without a Content-Type', () => {
  it('the copy is binary/octet-stream, on HeadObject and GetObject', async () => {
    await c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'replaced', CopySource: `${BUCKET}/page.html`, MetadataDirective: 'REPLACE', Metadata: { b: '2' } }));
    assert.equal(await typeOf('replaced'), 'binary/octet-stream');
    const got = await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'replaced' }));
    await got.Body?.transformToString();
    assert.equal(got.ContentType, 'binary/octet-stream');
  });

  it('the aws CLI\'s s3 cp --metadata-directive REPLACE: the same type as its put-object without one', { skip: awsCliMissing() ?? false }, async () => {
    const env = { PATH: '/usr/bin:/bin', HOME: tmpdir(), AWS_ACCESS_KEY_ID: server.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true' };
    const aws = (...args: string[]) => awsCli(['--endpoint-url', server.running.s3Url, ...args], env);
    const cp = await aws('s3', 'cp', `s3://${BUCKET}/page.html`, `s3://${BUCKET}/page-copy.html`, '--metadata-directive', 'REPLACE');
    assert.equal(cp.code, 0, cp.stderr);
    const put = await aws('s3api', 'put-object', '--bucket', BUCKET, '--key', 'typeless');
    assert.equal(put.code, 0, put.stderr);
    assert.equal(await typeOf('typeless'), 'binary/octet-stream');
    assert.equal(await typeOf('page-copy.html'), 'binary/octet-stream');
  });
});
