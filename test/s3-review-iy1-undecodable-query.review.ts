/**
 * Review iy, 1, against a real server with the real `@aws-sdk/client-s3` (requests whose query the SDK cannot write
 * are signed by hand, the string to sign signed by the SDK's own `@smithy/signature-v4`): a query parameter whose name or
 * value is not percent-encoded UTF-8 (`uploadId=%FF`, `versionId=%E9`, `prefix=%FF`) is refused, 400 InvalidRequest
 * naming the parameter, and nothing is read, listed or deleted.
 *
 * What was wrong: the gateway's query reader dropped such a parameter without a word, and the request ran as if it had
 * not been sent. `DELETE /bucket/key?uploadId=%FF`, an AbortMultipartUpload, became a DeleteObject and deleted the
 * object (204); `DELETE …?versionId=%E9` deleted the current object, which a request naming a version other than
 * `null` never does here (400 InvalidArgument); `GET …?versionId=%E9` served it; `?list-type=2&prefix=%FF` listed the
 * whole bucket. Bad input changed state. The request path was already refused so ("not valid percent-encoded UTF-8").
 *
 * What is now so: 400 InvalidRequest "The query parameter `uploadId` is not valid percent-encoded UTF-8.", before
 * anything is decided or touched; well-formed escapes (`prefix=%C3%BC`) are read as before.
 *
 * Before the fix, 3 of 4 tests failed (the last, well-formed escapes, passed).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as S3 from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { adminBucket, objectExists } from './support/s3.ts';
import type { TestServer } from './support/server.ts';

const BUCKET = 'iy1-queries';
const KEY = 'checkpoints/step-100.pt';

let c: S3.S3Client;
let server: TestServer;
adminBucket(BUCKET, (client, s) => ((c = client), (server = s)));

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** `method` on `path` with `query` sent and signed exactly as written (SigV4 header form, as the admin). */
async function signedRaw(method: string, path: string, query: string): Promise<{ status: number; body: string }> {
  const url = new URL(server.running.s3Url);
  const date = new Date();
  const amzDate = date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const scope = `${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request`;
  const signed = 'host;x-amz-content-sha256;x-amz-date';
  const canonical = [method, path, query, `host:${url.host}`, 'x-amz-content-sha256:UNSIGNED-PAYLOAD', `x-amz-date:${amzDate}`, '', signed, 'UNSIGNED-PAYLOAD'].join('\n');
  const signer = new SignatureV4({ credentials: server.admin, region: 'us-east-1', service: 's3', sha256: Sha256 });
  const signature = await signer.sign(['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n'), { signingDate: date });
  const r = await fetch(`${server.running.s3Url}${path}?${query}`, {
    method,
    headers: {
      'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
      'x-amz-date': amzDate,
      authorization: `AWS4-HMAC-SHA256 Credential=${server.admin.accessKeyId}/${scope}, SignedHeaders=${signed}, Signature=${signature}`,
    },
  });
  return { status: r.status, body: await r.text() };
}

const refusedNaming = (r: { status: number; body: string }, name: string): void => {
  assert.equal(r.status, 400, r.body);
  assert.match(r.body, /<Code>InvalidRequest<\/Code>/);
  assert.ok(r.body.includes(`The query parameter \`${name}\` is not valid percent-encoded UTF-8.`), r.body);
};

describe('iy 1: a query parameter that is not percent-encoded UTF-8', () => {
  it('an AbortMultipartUpload with `uploadId=%FF` is refused and does not delete the object', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: 'weights' }));
    refusedNaming(await signedRaw('DELETE', `/${BUCKET}/${KEY}`, 'uploadId=%FF'), 'uploadId');
    assert.equal(await objectExists(c, BUCKET, KEY), true, 'the object was deleted');
  });

  it('`versionId=%E9` is refused on DELETE and GET: the current object is neither deleted nor served', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: 'weights' }));
    refusedNaming(await signedRaw('DELETE', `/${BUCKET}/${KEY}`, 'versionId=%E9'), 'versionId');
    assert.equal(await objectExists(c, BUCKET, KEY), true, 'the object was deleted');
    const get = await signedRaw('GET', `/${BUCKET}/${KEY}`, 'versionId=%E9');
    assert.notEqual(get.body, 'weights');
    refusedNaming(get, 'versionId');
  });

  it('ListObjectsV2 with `prefix=%FF` is refused, not answered with the whole bucket', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: 'weights' }));
    const r = await signedRaw('GET', `/${BUCKET}`, 'list-type=2&prefix=%FF');
    assert.doesNotMatch(r.body, /<Key>/);
    refusedNaming(r, 'prefix');
  });

  it('well-formed escapes are read as before: `prefix=%C3%BC` lists the keys under `ü`', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'ü/shard-0', Body: 'x' }));
    const r = await signedRaw('GET', `/${BUCKET}`, 'list-type=2&prefix=%C3%BC');
    assert.equal(r.status, 200, r.body);
    assert.match(r.body, /<KeyCount>1<\/KeyCount>/);
    assert.match(r.body, /<Key>ü\/shard-0<\/Key>/);
    const listed = await c.send(new S3.ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'ü/' }));
    assert.deepEqual(listed.Contents?.map((o) => o.Key), ['ü/shard-0']);
  });
});
