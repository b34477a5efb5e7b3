/**
 * Review ls, 3, against a real server: a browser-form upload (POST Object: `POST /<bucket>` with a
 * `multipart/form-data` body carrying `key`, a base64 `Policy`, `X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`,
 * `X-Amz-Signature` and the `file`), which boto3's `generate_presigned_post` and SDK v3's `createPresignedPost`
 * (`@aws-sdk/s3-presigned-post`) hand to browsers, the usual way a web page uploads straight to S3.
 *
 * What was wrong: the gateway, which does not implement POST Object, answered such a request 403 AccessDenied "anonymous
 * requests are not served; sign the request": the request is signed (its signature is in the form, as S3 reads it), so
 * the user was sent to debug credentials and signing for an operation that no signature would make work.
 *
 * What S3 does (RESTObjectPOST, sigv4-HTTPPOSTForms): authenticates the form's policy signature and stores the file.
 * What the gateway does now: refuses it as an operation it does not serve, 501 NotImplemented naming POST Object and
 * what to use instead (a presigned PUT URL, which the gateway serves), as it answers every other operation it does not
 * implement (README, "Data through the S3 gateway"); nothing is stored, and a signed POST (DeleteObjects) is served as
 * before.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from './support/server.ts';
import { adminS3Client, objectExists } from './support/s3.ts';

const BUCKET = 'ls3-post-form';
let server: TestServer;
let c: S3.S3Client;

before(async () => {
  server = await startTestServer();
  c = adminS3Client(server);
  await c.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
});
after(async () => {
  c.destroy();
  await server.stop();
});

/** The form `createPresignedPost` gives a browser (its fields; the signature's value does not matter here). */
function presignedPostForm(): FormData {
  const date = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
  const credential = `${server.admin.accessKeyId}/${date.slice(0, 8)}/us-east-1/s3/aws4_request`;
  const policy = Buffer.from(JSON.stringify({ expiration: new Date(Date.now() + 600_000).toISOString(), conditions: [{ bucket: BUCKET }, ['eq', '$key', 'upload.txt'], { 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256' }, { 'X-Amz-Credential': credential }, { 'X-Amz-Date': date }] })).toString('base64');
  const form = new FormData();
  for (const [k, v] of Object.entries({ bucket: BUCKET, key: 'upload.txt', 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256', 'X-Amz-Credential': credential, 'X-Amz-Date': date, Policy: policy, 'X-Amz-Signature': '0'.repeat(64) })) form.append(k, v);
  form.append('file', new Blob(['from a browser']), 'upload.txt');
  return form;
}

describe('ls 3: a POST policy form upload', () => {
  it('is 501 NotImplemented naming POST Object and the presigned PUT to use, not AccessDenied for an unsigned request', async () => {
    const r = await fetch(`${server.running.s3Url}/${BUCKET}`, { method: 'POST', body: presignedPostForm() });
    const text = await r.text();
    assert.equal(r.status, 501, text);
    assert.match(text, /<Code>NotImplemented<\/Code>/);
    assert.match(text, /POST Object/);
    assert.match(text, /presigned PUT/);
    assert.equal(await objectExists(c, BUCKET, 'upload.txt'), false);
  });

  it('a signed POST to the bucket (DeleteObjects) is served as before', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'gone', Body: 'x' }));
    const r = await c.send(new S3.DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'gone' }] } }));
    assert.deepEqual(r.Deleted?.map((d) => d.Key), ['gone']);
    assert.equal(await objectExists(c, BUCKET, 'gone'), false);
  });
});
