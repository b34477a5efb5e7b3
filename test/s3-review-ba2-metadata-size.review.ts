/**
 * Review ba, 2, against a real server with the real `@aws-sdk/client-s3`: user-defined metadata (`x-amz-meta-*`) over
 * 2 KB is refused with 400 MetadataTooLarge, as S3 refuses it (User Guide, "Working with object metadata": "the
 * user-defined metadata is limited to 2 KB in size", measured as the UTF-8 bytes of each name and value).
 *
 * What was wrong: the gateway took any amount, up to the 16 KiB header limit of the edge (about 8 times S3's), on
 * PutObject, CreateMultipartUpload and CopyObject with REPLACE. An object written so here could not be copied to S3
 * or by a client that checks the limit, and since the store keeps every object's metadata in memory (the key index),
 * a bucket of small objects each carrying 14 KiB of metadata grew the server by 14 KiB a key.
 *
 * What is now so: such a write is refused before its body is read, nothing stored, with S3's code and the sizes
 * (`Size`, `MaxSizeAllowed`); 2,048 bytes exactly are accepted.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type TestServer, sdkFailure as failure } from './support/server.ts';

const BUCKET = 'ba2-meta-size';
let server: TestServer;
let c: S3.S3Client;

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

// Names count without the `x-amz-meta-` prefix: `note` (4) + `step` (4) + 2 values.
const sized = (total: number): Record<string, string> => ({ step: '7', note: 'n'.repeat(total - 4 - 4 - 1) });

describe('2: user-defined metadata is limited to 2 KB, as in S3', () => {
  it('PutObject, CreateMultipartUpload and CopyObject REPLACE with 2,049 bytes: 400 MetadataTooLarge, nothing written', async () => {
    const big = sized(2049);
    const cases: [string, () => Promise<unknown>][] = [
      ['PutObject', () => c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'big', Body: 'x', Metadata: big }))],
      ['CreateMultipartUpload', () => c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'big', Metadata: big }))],
      ['CopyObject REPLACE', () => c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'big', CopySource: `${BUCKET}/source`, MetadataDirective: 'REPLACE', Metadata: big }))],
    ];
    for (const [what, call] of cases) {
      const r = await failure(call());
      assert.deepEqual([r.code, r.status], ['MetadataTooLarge', 400], what);
      assert.match(r.message, /^Your metadata headers exceed the maximum allowed metadata size: 2049 bytes of x-amz-meta-\* names and values, at most 2048/, what);
      assert.equal(await exists('big'), false, what);
    }
    assert.deepEqual((await c.send(new S3.ListMultipartUploadsCommand({ Bucket: BUCKET }))).Uploads ?? [], []);
  });

  it('2,048 bytes exactly are kept and served back', async () => {
    const full = sized(2048);
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'full', Body: 'x', Metadata: full }));
    assert.deepEqual((await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'full' }))).Metadata, full);
    await c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'full-copy', CopySource: `${BUCKET}/source`, MetadataDirective: 'REPLACE', Metadata: full }));
    assert.deepEqual((await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'full-copy' }))).Metadata, full);
  });
});
