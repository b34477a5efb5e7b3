/**
 * Review aj, 11, against a real server with the real `@aws-sdk/client-s3`: a write asking for Object Lock (a
 * retention mode and date, or a legal hold) is refused with 400 InvalidRequest "Bucket is missing Object Lock
 * Configuration", as S3 refuses it on a bucket without Object Lock, and nothing is written. The headers were dropped:
 * the client was told its object was locked in COMPLIANCE mode, and it could be deleted at once.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type TestServer, sdkFailure as failure } from './support/server.ts';

const BUCKET = 'aj8-lock';
let server: TestServer;
let c: S3.S3Client;
const until = new Date(Date.now() + 365 * 86_400_000);

before(async () => {
  server = await startTestServer();
  c = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
  await c.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
  await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'source', Body: 's' }));
});

after(async () => {
  c?.destroy();
  await server?.stop();
});

const exists = async (key: string): Promise<boolean> => (await failure(c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: key })))).code === 'no error';

describe('11: Object Lock on a write is refused, not dropped', () => {
  it('PutObject, CreateMultipartUpload and CopyObject with a retention or a legal hold: 400 InvalidRequest, nothing written', async () => {
    const cases: [string, () => Promise<unknown>][] = [
      ['PutObject COMPLIANCE', () => c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'locked', Body: 'x', ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: until }))],
      ['PutObject legal hold', () => c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'locked', Body: 'x', ObjectLockLegalHoldStatus: 'ON' }))],
      ['CreateMultipartUpload GOVERNANCE', () => c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'locked', ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: until }))],
      ['CopyObject COMPLIANCE', () => c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'locked', CopySource: `${BUCKET}/source`, ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: until }))],
    ];
    for (const [what, call] of cases) {
      const r = await failure(call());
      assert.deepEqual([r.code, r.status], ['InvalidRequest', 400], what);
      assert.match(r.message, /^Bucket is missing Object Lock Configuration/, what);
      assert.equal(await exists('locked'), false, what);
    }
    assert.deepEqual((await c.send(new S3.ListMultipartUploadsCommand({ Bucket: BUCKET }))).Uploads ?? [], []);
    // Without the headers, the same writes go through.
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'locked', Body: 'x' }));
    assert.equal(await exists('locked'), true);
  });
});
