/**
 * Review po, 3, against a real server with the real `@aws-sdk/client-s3`: a PUT that names a part number without an
 * upload (`?partNumber=1`, no `uploadId`), as an UploadPart or UploadPartCopy that lost its upload id, is refused.
 *
 * What was wrong: the gateway routed on `uploadId` alone, so such a PUT was a plain PutObject (or CopyObject, with
 * `x-amz-copy-source`): the part's bytes, or the whole copy source, were stored as the object, over what the key held,
 * and answered 200 as if a part had been taken. A PUT on an upload with no part number was answered InvalidArgument.
 *
 * What S3 does (recorded against Amazon S3 in versity/versitygw#1226 and #1236): PUT `?partNumber` without `uploadId`
 * is 400 InvalidArgument "This operation does not accept partNumber without uploadId" (ArgumentName `partNumber`); PUT
 * `?uploadId` without `partNumber` is 405 MethodNotAllowed, ResourceType UPLOAD, `Allow: DELETE, POST, GET`.
 * API_UploadPart: partNumber and uploadId are both required.
 *
 * What is now so: both are refused as S3 refuses them, and the key and the upload are left as they were.
 *
 * Before the fix 3 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from './support/server.ts';
import { adminS3Client, s3Refusal } from './support/s3.ts';

const BUCKET = 'po3-parts';

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

/** `command` sent without the query parameter `name`, as a client that dropped it. */
function without<C extends { middlewareStack: unknown }>(command: C, name: string): C {
  (command.middlewareStack as S3.S3Client['middlewareStack']).add(
    (next) => async (args) => {
      delete (args.request as { query: Record<string, unknown> }).query[name];
      return next(args);
    },
    { step: 'build', name: `po3Without-${name}` },
  );
  return command;
}

const body = async (key: string): Promise<string> => (await (await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body?.transformToString()) ?? '';

describe('po 3: a part number needs its upload', () => {
  it('UploadPart without uploadId is InvalidArgument and leaves the object', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'ckpt', Body: 'the whole checkpoint' }));
    const r = await s3Refusal(c.send(without(new S3.UploadPartCommand({ Bucket: BUCKET, Key: 'ckpt', UploadId: 'lost', PartNumber: 1, Body: 'part 1 only' }), 'uploadId')));
    assert.deepEqual(r, ['InvalidArgument', 400, 'This operation does not accept partNumber without uploadId']);
    assert.equal(await body('ckpt'), 'the whole checkpoint');
  });

  it('UploadPartCopy without uploadId is InvalidArgument and copies nothing', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'src', Body: 'source bytes' }));
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'dst', Body: 'destination bytes' }));
    const copy = new S3.UploadPartCopyCommand({ Bucket: BUCKET, Key: 'dst', UploadId: 'lost', PartNumber: 1, CopySource: `${BUCKET}/src`, CopySourceRange: 'bytes=0-5' });
    const r = await s3Refusal(c.send(without(copy, 'uploadId')));
    assert.deepEqual(r.slice(0, 2), ['InvalidArgument', 400]);
    assert.equal(await body('dst'), 'destination bytes');
  });

  it('a PUT on an upload without partNumber is 405 MethodNotAllowed and adds no part', async () => {
    const up = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'big' }));
    const r = await s3Refusal(c.send(without(new S3.UploadPartCommand({ Bucket: BUCKET, Key: 'big', UploadId: up.UploadId, PartNumber: 1, Body: 'x' }), 'partNumber')));
    assert.deepEqual(r.slice(0, 2), ['MethodNotAllowed', 405]);
    const parts = await c.send(new S3.ListPartsCommand({ Bucket: BUCKET, Key: 'big', UploadId: up.UploadId }));
    assert.equal(parts.Parts?.length ?? 0, 0);
  });

  it('UploadPart with both is taken as before', async () => {
    const up = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'ok' }));
    const p = await c.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key: 'ok', UploadId: up.UploadId, PartNumber: 1, Body: 'only part' }));
    await c.send(new S3.CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'ok', UploadId: up.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p.ETag }] } }));
    assert.equal(await body('ok'), 'only part');
  });
});
