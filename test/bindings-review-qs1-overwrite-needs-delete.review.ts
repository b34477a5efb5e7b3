/**
 * Review qs, 1. Replacing an existing object needs `storage.objects.delete` as well as `storage.objects.create` in GCP
 * (Cloud Storage "IAM permissions for XML methods": PUT and POST (complete) of an object need `storage.objects.delete`
 * "if overwriting an existing object"; roles/storage.objectCreator uploads and cannot overwrite). The S3 gateway decided
 * `s3:PutObject` as `storage.objects.create` alone, so a principal whose only grant was a binding of a create-only role
 * (the upload-only "drop box" of log shippers and backups) replaced any object of the bucket — PutObject, CopyObject or
 * a completed multipart upload onto an existing key — destroying what it may not delete.
 *
 * Now a write that bindings alone allow (no IAM or resource-policy statement allows the `s3:PutObject`) replaces an
 * existing object only when the caller may also delete it (`s3:DeleteObject`, by a binding's `storage.objects.delete` or
 * otherwise); else it is written only if the key holds no object, held by the store as `If-None-Match: *` is, and refused
 * AccessDenied otherwise. An IAM policy allowing `s3:PutObject` still overwrites, as in S3.
 *
 * Before the fix 1 of 3 tests failed. Real server on 127.0.0.1 (SQLite), the S3 gateway through the AWS SDK.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { gatehouseJson } from './support/resource-server.ts';
import { s3Clients, s3Refusal } from './support/s3.ts';
import { startTestServer, userWithKey, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const BUCKET = 'qs1-drop';

describe('bindings: a create-only role does not replace existing objects', () => {
  let s: TestServer;
  let creator: Credentials;
  let replacer: Credentials;
  const s3 = s3Clients(() => s);
  const read = async (key: string) => (await s3(s.admin).send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body?.transformToString();

  before(async () => {
    s = await startTestServer();
    const account = s.adminFile.AccountId;
    const role = (name: string, permissions: string[]) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'IamRole', metadata: { name }, spec: { permissions } });
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      documents: [role('uploader', ['storage.objects.create', 'storage.objects.get', 'storage.multipartUploads.create']), role('replacer', ['storage.objects.create', 'storage.objects.get', 'storage.objects.delete'])],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    await s3(s.admin).send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
    for (const key of ['evidence.log', 'copied.log', 'parts.log', 'old.log']) await s3(s.admin).send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: key, Body: `original ${key}` }));
    creator = await userWithKey(s, 'qs1-creator');
    replacer = await userWithKey(s, 'qs1-replacer');
    const r = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', {
      resource: `arn:aws:s3:::${BUCKET}`,
      bindings: [
        { role: `accounts/${account}/roles/uploader`, members: ['user:qs1-creator'] },
        { role: `accounts/${account}/roles/replacer`, members: ['user:qs1-replacer'] },
      ],
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  });
  after(async () => {
    s3.destroyAll();
    await s?.stop();
  });

  it('a create-only binding uploads new keys and replaces none, by PutObject, CopyObject or a multipart upload', async () => {
    const c = s3(creator);
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'new.log', Body: 'fresh' }));
    assert.equal(await read('new.log'), 'fresh');

    const [code, status, message] = await s3Refusal(c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'evidence.log', Body: 'tampered' })));
    assert.deepEqual([code, status], ['AccessDenied', 403]);
    assert.match(message, /storage\.objects\.delete/);
    assert.equal(await read('evidence.log'), 'original evidence.log');

    const [copyCode] = await s3Refusal(c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'copied.log', CopySource: `${BUCKET}/new.log` })));
    assert.equal(copyCode, 'AccessDenied');
    assert.equal(await read('copied.log'), 'original copied.log');

    const up = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'parts.log' }));
    const part = await c.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key: 'parts.log', UploadId: up.UploadId, PartNumber: 1, Body: 'tampered' }));
    const [completeCode] = await s3Refusal(c.send(new S3.CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'parts.log', UploadId: up.UploadId, MultipartUpload: { Parts: [{ ETag: part.ETag, PartNumber: 1 }] } })));
    assert.equal(completeCode, 'AccessDenied');
    assert.equal(await read('parts.log'), 'original parts.log');
  });

  it('a binding that also grants storage.objects.delete replaces objects', async () => {
    await s3(replacer).send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'old.log', Body: 'replaced' }));
    assert.equal(await read('old.log'), 'replaced');
  });

  it('an IAM policy allowing s3:PutObject alone still overwrites, as in S3', async () => {
    const iam = await userWithPolicy(s, 'qs1-iam', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${BUCKET}/*` }] }));
    await s3(iam).send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'old.log', Body: 'by iam' }));
    assert.equal(await read('old.log'), 'by iam');
  });
});
