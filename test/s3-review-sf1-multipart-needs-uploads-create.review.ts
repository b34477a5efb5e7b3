/**
 * Review sf, 1, against a real server with `@aws-sdk/client-s3`: a multipart upload by the holder of a binding that grants
 * `storage.objects.create` and not `storage.multipartUploads.create`.
 *
 * What was wrong: GCP needs `storage.multipartUploads.create` besides `storage.objects.create` to initiate a multipart
 * upload, to upload its parts and to complete it (Cloud Storage "IAM permissions for XML methods": POST object `uploads`,
 * PUT object with `uploadId`, POST object `uploadId`), which is why `roles/storage.objectCreator` and
 * `roles/storage.objectAdmin` list it. The gateway decided CreateMultipartUpload, UploadPart and CompleteMultipartUpload
 * as `s3:PutObject`, which bindings answer as `storage.objects.create` alone, so a custom role its author kept to single
 * uploads (no `storage.multipartUploads.create`) began, fed and completed multipart uploads. Now those that bindings
 * alone allow (no IAM or bucket policy statement allows the `s3:PutObject`) also need the caller to be allowed
 * `storage.multipartUploads.create` on the object, else AccessDenied naming it; an IAM policy allowing `s3:PutObject`
 * alone still does them, as in S3.
 *
 * Before the fix 1 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { gatehouseJson } from './support/resource-server.ts';
import { s3Clients, s3Refusal } from './support/s3.ts';
import { startTestServer, userWithKey, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const BUCKET = 'sf1-multipart';

describe('sf 1: a multipart upload under bindings needs storage.multipartUploads.create, as in GCP', () => {
  let s: TestServer;
  let single: Credentials;
  let admin: Credentials;
  let iamOnly: Credentials;
  const s3 = s3Clients(() => s);

  const upload = async (c: S3.S3Client, key: string): Promise<string | undefined> => {
    const up = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
    const part = await c.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: up.UploadId, PartNumber: 1, Body: `parts of ${key}` }));
    await c.send(new S3.CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: up.UploadId, MultipartUpload: { Parts: [{ ETag: part.ETag, PartNumber: 1 }] } }));
    return (await s3(s.admin).send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body?.transformToString();
  };

  before(async () => {
    s = await startTestServer();
    const account = s.adminFile.AccountId;
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'IamRole', metadata: { name: 'singleput' }, spec: { permissions: ['storage.objects.create', 'storage.objects.get', 'storage.objects.delete'] } }],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    await s3(s.admin).send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
    single = await userWithKey(s, 'sf1-single');
    admin = await userWithKey(s, 'sf1-admin');
    iamOnly = await userWithPolicy(s, 'sf1-iam', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${BUCKET}/*` }] }));
    const r = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', {
      resource: `arn:aws:s3:::${BUCKET}`,
      bindings: [
        { role: `accounts/${account}/roles/singleput`, members: ['user:sf1-single'] },
        { role: 'roles/storage.objectAdmin', members: ['user:sf1-admin'] },
      ],
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  });
  after(async () => {
    s3.destroyAll();
    await s?.stop();
  });

  it('a binding without storage.multipartUploads.create uploads whole objects, and begins, feeds and completes no multipart upload', async () => {
    const c = s3(single);
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'whole.bin', Body: 'whole' }));

    const [code, status, message] = await s3Refusal(c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'big.bin' })));
    assert.deepEqual([code, status], ['AccessDenied', 403], message);
    assert.match(message, /storage\.multipartUploads\.create/);

    // An upload another began: its parts and its completion are refused too.
    const up = await s3(admin).send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'shared.bin' }));
    const [partCode, , partMessage] = await s3Refusal(c.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key: 'shared.bin', UploadId: up.UploadId, PartNumber: 1, Body: 'x' })));
    assert.equal(partCode, 'AccessDenied', partMessage);
    const part = await s3(admin).send(new S3.UploadPartCommand({ Bucket: BUCKET, Key: 'shared.bin', UploadId: up.UploadId, PartNumber: 1, Body: 'by admin' }));
    const [doneCode, , doneMessage] = await s3Refusal(c.send(new S3.CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'shared.bin', UploadId: up.UploadId, MultipartUpload: { Parts: [{ ETag: part.ETag, PartNumber: 1 }] } })));
    assert.equal(doneCode, 'AccessDenied', doneMessage);
    const [copyCode] = await s3Refusal(c.send(new S3.UploadPartCopyCommand({ Bucket: BUCKET, Key: 'shared.bin', UploadId: up.UploadId, PartNumber: 2, CopySource: `${BUCKET}/whole.bin` })));
    assert.equal(copyCode, 'AccessDenied');
    const [headCode] = await s3Refusal(s3(s.admin).send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'shared.bin' })));
    assert.equal(headCode, 'NotFound', 'the upload was not completed');
  });

  it('roles/storage.objectAdmin, which holds it, uploads in parts', async () => {
    assert.equal(await upload(s3(admin), 'admin.bin'), 'parts of admin.bin');
  });

  it('an IAM policy allowing s3:PutObject alone still uploads in parts, as in S3', async () => {
    assert.equal(await upload(s3(iamOnly), 'iam.bin'), 'parts of iam.bin');
  });
});
