/**
 * Review ox, 1. A user granted `roles/storage.objectAdmin` on a bucket by a binding could upload an object and read its
 * ACL through the S3 gateway, but not take the one step a cross-account writer takes after every upload, `aws s3api
 * put-object-acl --acl bucket-owner-full-control` (S3 answers it 200 on a bucket with ACLs disabled, as every bucket
 * here is: docs/decisions.md, "PutObjectAcl and PutBucketAcl as S3 answers them with ACLs disabled"): it was refused
 * AccessDenied, since `s3:PutObjectAcl` had no bindings permission. The same for `roles/storage.admin` and
 * `PutBucketAcl`. GCP sets an object's and a bucket's access control with `storage.objects.setIamPolicy` and
 * `storage.buckets.setIamPolicy` (cloud.google.com/storage/docs/access-control/iam-json, "ACL methods":
 * ObjectAccessControls and BucketAccessControls insert, patch, update and delete), which those roles hold; the reads
 * (`GetObjectAcl`, `GetBucketAcl`) were mapped to the `getIamPolicy` ones already (review hs, 6).
 *
 * Now `s3:PutObjectAcl` and `s3:PutObjectVersionAcl` need `storage.objects.setIamPolicy`, `s3:PutBucketAcl`
 * `storage.buckets.setIamPolicy`. A viewer still sets no ACL, and an ACL that grants anyone else is still
 * AccessControlListNotSupported, whoever asks.
 *
 * Before the fix 1 of 2 tests failed. Real server on 127.0.0.1 (SQLite), the S3 gateway through the AWS SDK.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { gatehouseJson } from './support/resource-server.ts';
import { s3Clients, s3Refusal } from './support/s3.ts';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const BUCKET = 'ox1-data';

describe('bindings: the storage admin roles set an owner-only ACL at the S3 gateway', () => {
  let s: TestServer;
  let writer: Credentials;
  let admin: Credentials;
  let viewer: Credentials;
  const s3 = s3Clients(() => s);

  before(async () => {
    s = await startTestServer();
    await s3(s.admin).send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
    await s3(s.admin).send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'a.csv', Body: 'a' }));
    writer = await userWithKey(s, 'ox1-writer');
    admin = await userWithKey(s, 'ox1-admin');
    viewer = await userWithKey(s, 'ox1-viewer');
    const r = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', {
      resource: `arn:aws:s3:::${BUCKET}`,
      bindings: [
        { role: 'roles/storage.objectAdmin', members: ['user:ox1-writer'] },
        { role: 'roles/storage.admin', members: ['user:ox1-admin'] },
        { role: 'roles/storage.objectViewer', members: ['user:ox1-viewer'] },
      ],
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  });
  after(async () => {
    s3.destroyAll();
    await s?.stop();
  });

  it('the object admin uploads and then sets bucket-owner-full-control; the storage admin sets the bucket private', async () => {
    const c = s3(writer);
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'up/b.csv', Body: 'b' }));
    await c.send(new S3.PutObjectAclCommand({ Bucket: BUCKET, Key: 'up/b.csv', ACL: 'bucket-owner-full-control' }));
    await c.send(new S3.PutObjectAclCommand({ Bucket: BUCKET, Key: 'a.csv', VersionId: 'null', ACL: 'bucket-owner-full-control' }));
    // Still no ACL that grants anyone else.
    assert.deepEqual((await s3Refusal(c.send(new S3.PutObjectAclCommand({ Bucket: BUCKET, Key: 'up/b.csv', ACL: 'public-read' })))).slice(0, 2), ['AccessControlListNotSupported', 400]);
    await s3(admin).send(new S3.PutBucketAclCommand({ Bucket: BUCKET, ACL: 'private' }));
    await s3(admin).send(new S3.PutObjectAclCommand({ Bucket: BUCKET, Key: 'a.csv', ACL: 'bucket-owner-full-control' }));
  });

  it('a viewer and the object admin set no bucket ACL; a viewer no object ACL', async () => {
    for (const call of [
      () => s3(viewer).send(new S3.PutObjectAclCommand({ Bucket: BUCKET, Key: 'a.csv', ACL: 'bucket-owner-full-control' })),
      () => s3(viewer).send(new S3.PutBucketAclCommand({ Bucket: BUCKET, ACL: 'private' })),
      () => s3(writer).send(new S3.PutBucketAclCommand({ Bucket: BUCKET, ACL: 'private' })),
    ]) {
      assert.deepEqual((await s3Refusal(call())).slice(0, 2), ['AccessDenied', 403]);
    }
  });
});
