/**
 * Review ra, 2. Reading an object's or a bucket's ACL needs the resource's read permission as well as its
 * `getIamPolicy` in GCP (Cloud Storage "IAM permissions for XML methods": GET object `acl` needs `storage.objects.get`
 * and `storage.objects.getIamPolicy`; GET bucket `acl`, `storage.buckets.get` and `storage.buckets.getIamPolicy`). The S3
 * gateway decided `s3:GetObjectAcl` as `storage.objects.getIamPolicy` alone (and `s3:GetBucketAcl` as
 * `storage.buckets.getIamPolicy` alone), so the holder of a custom role with only `getIamPolicy` — one meant to audit
 * access, not to read data — was answered every object's ACL, learning which keys exist (200 against NoSuchKey) and
 * their owner. Now an ACL read that bindings alone allow (no IAM or bucket policy statement allows the action) also
 * needs the caller to be allowed the read (`s3:GetObject`/`s3:GetObjectVersion`, or `s3:GetBucketLocation` for the
 * bucket: `storage.objects.get`, `storage.buckets.get`), else AccessDenied naming it. An IAM policy allowing
 * `s3:GetObjectAcl` alone still reads it, as in S3.
 *
 * Before the fix 1 of 3 tests failed. Real server on 127.0.0.1 (SQLite), the S3 gateway through the AWS SDK.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { gatehouseJson } from './support/resource-server.ts';
import { s3Clients, s3Refusal } from './support/s3.ts';
import { startTestServer, userWithKey, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const BUCKET = 'ra2-data';

describe('bindings: reading an ACL needs the read permission too, as in GCP', () => {
  let s: TestServer;
  let auditor: Credentials;
  let admin: Credentials;
  let iamOnly: Credentials;
  const s3 = s3Clients(() => s);

  before(async () => {
    s = await startTestServer();
    const account = s.adminFile.AccountId;
    const role = (name: string, permissions: string[]) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'IamRole', metadata: { name }, spec: { permissions } });
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      documents: [role('aclauditor', ['storage.objects.getIamPolicy', 'storage.buckets.getIamPolicy'])],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    await s3(s.admin).send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
    await s3(s.admin).send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'secret.csv', Body: 'x' }));
    auditor = await userWithKey(s, 'ra2-auditor');
    admin = await userWithKey(s, 'ra2-admin');
    iamOnly = await userWithPolicy(s, 'ra2-iam', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObjectAcl', 's3:GetBucketAcl'], Resource: '*' }] }));
    const r = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', {
      resource: `arn:aws:s3:::${BUCKET}`,
      bindings: [
        { role: `accounts/${account}/roles/aclauditor`, members: ['user:ra2-auditor'] },
        { role: 'roles/storage.admin', members: ['user:ra2-admin'] },
      ],
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  });
  after(async () => {
    s3.destroyAll();
    await s?.stop();
  });

  it('a getIamPolicy-only binding reads no object ACL nor bucket ACL', async () => {
    const refused = await s3Refusal(s3(auditor).send(new S3.GetObjectAclCommand({ Bucket: BUCKET, Key: 'secret.csv' })));
    assert.deepEqual(refused.slice(0, 2), ['AccessDenied', 403], JSON.stringify(refused));
    assert.match(String(refused[2]), /storage\.objects\.get/);
    const missing = await s3Refusal(s3(auditor).send(new S3.GetObjectAclCommand({ Bucket: BUCKET, Key: 'absent.csv' })));
    assert.deepEqual(missing.slice(0, 2), ['AccessDenied', 403], 'no probing which keys exist');
    const bucket = await s3Refusal(s3(auditor).send(new S3.GetBucketAclCommand({ Bucket: BUCKET })));
    assert.deepEqual(bucket.slice(0, 2), ['AccessDenied', 403], JSON.stringify(bucket));
  });

  it('a binding holding both reads them', async () => {
    const acl = await s3(admin).send(new S3.GetObjectAclCommand({ Bucket: BUCKET, Key: 'secret.csv' }));
    assert.ok(acl.Owner?.ID, JSON.stringify(acl));
    assert.ok((await s3(admin).send(new S3.GetBucketAclCommand({ Bucket: BUCKET }))).Owner?.ID);
  });

  it('an IAM policy allowing the ACL read alone still reads them, as in S3', async () => {
    assert.ok((await s3(iamOnly).send(new S3.GetObjectAclCommand({ Bucket: BUCKET, Key: 'secret.csv' }))).Owner?.ID);
    assert.ok((await s3(iamOnly).send(new S3.GetBucketAclCommand({ Bucket: BUCKET }))).Owner?.ID);
  });
});
