/**
 * Review hs, 6. A user granted `roles/storage.admin` on a bucket by a binding could set the bucket's policy through the
 * S3 gateway (`s3:PutBucketPolicy` needs `storage.buckets.setIamPolicy`) but not remove it: `DeleteBucketPolicy` was
 * refused AccessDenied, "no identity-based policy allows the s3:DeleteBucketPolicy action", since that action had no
 * bindings permission (GCP has no delete: setting the policy empty is `setIamPolicy`). Nor could it read the bucket's
 * versioning state (`GetBucketVersioning`, which tools such as rclone and Terraform read before anything else) or the
 * bucket's and objects' ACLs (`GetBucketAcl`, `GetObjectAcl`), though the role holds `storage.buckets.get`,
 * `storage.buckets.getIamPolicy` and `storage.objects.getIamPolicy`.
 *
 * Now `s3:DeleteBucketPolicy` needs `storage.buckets.setIamPolicy`, `s3:GetBucketVersioning` `storage.buckets.get`,
 * `s3:GetBucketAcl` `storage.buckets.getIamPolicy`, and `s3:GetObjectAcl` (and its version form)
 * `storage.objects.getIamPolicy`, as GCP reads a bucket's and an object's access control. A viewer reads none of the ACLs.
 *
 * Before the fix 1 of 2 tests failed. Real server on 127.0.0.1 (SQLite), the S3 gateway through the AWS SDK.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { gatehouseJson } from './support/resource-server.ts';
import { s3Clients, s3Refusal } from './support/s3.ts';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const BUCKET = 'hs6-data';

describe('bindings: roles/storage.admin manages the bucket policy and reads versioning and ACLs at the S3 gateway', () => {
  let s: TestServer;
  let account: string;
  let admin: Credentials;
  let viewer: Credentials;
  const s3 = s3Clients(() => s);

  before(async () => {
    s = await startTestServer();
    account = s.adminFile.AccountId;
    await s3(s.admin).send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
    await s3(s.admin).send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'a.csv', Body: 'a' }));
    admin = await userWithKey(s, 'hs6-admin');
    viewer = await userWithKey(s, 'hs6-viewer');
    const r = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', {
      resource: `arn:aws:s3:::${BUCKET}`,
      bindings: [
        { role: 'roles/storage.admin', members: ['user:hs6-admin'] },
        { role: 'roles/storage.objectViewer', members: ['user:hs6-viewer'] },
      ],
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  });
  after(async () => {
    s3.destroyAll();
    await s?.stop();
  });

  it('the bucket admin sets and removes the bucket policy, and reads versioning and the ACLs', async () => {
    const c = s3(admin);
    const Policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:user/hs6-viewer` }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` }] });
    await c.send(new S3.PutBucketPolicyCommand({ Bucket: BUCKET, Policy }));
    await c.send(new S3.DeleteBucketPolicyCommand({ Bucket: BUCKET }));
    assert.deepEqual((await s3Refusal(c.send(new S3.GetBucketPolicyCommand({ Bucket: BUCKET })))).slice(0, 2), ['NoSuchBucketPolicy', 404]);
    const versioning = await c.send(new S3.GetBucketVersioningCommand({ Bucket: BUCKET }));
    assert.equal(versioning.Status, undefined, 'never versioned');
    assert.ok((await c.send(new S3.GetBucketAclCommand({ Bucket: BUCKET }))).Grants !== undefined);
    assert.ok((await c.send(new S3.GetObjectAclCommand({ Bucket: BUCKET, Key: 'a.csv' }))).Grants !== undefined);
  });

  it('a viewer reads no ACL and removes no policy', async () => {
    const c = s3(viewer);
    for (const call of [c.send(new S3.GetObjectAclCommand({ Bucket: BUCKET, Key: 'a.csv' })), c.send(new S3.GetBucketAclCommand({ Bucket: BUCKET })), c.send(new S3.DeleteBucketPolicyCommand({ Bucket: BUCKET }))]) {
      assert.deepEqual((await s3Refusal(call)).slice(0, 2), ['AccessDenied', 403]);
    }
  });
});
