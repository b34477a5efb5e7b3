/**
 * Review rk, 2, against a real server with `@aws-sdk/client-s3`: PutObjectAcl and PutBucketAcl by the holder of a
 * binding that grants `setIamPolicy` and not the read permission.
 *
 * What was wrong: GCP needs the resource's read permission to change its ACL (Cloud Storage "IAM permissions for XML
 * methods": PUT object `acl`, `storage.objects.get`, `storage.objects.getIamPolicy`, `storage.objects.setIamPolicy` and
 * `storage.objects.update`; PUT bucket `acl`, `storage.buckets.get` and the bucket's three alike). The gateway decided
 * `s3:PutObjectAcl` as `storage.objects.setIamPolicy` alone (and `s3:PutBucketAcl` as `storage.buckets.setIamPolicy`
 * alone), so a custom role with only `setIamPolicy` put an owner-only ACL on any key and was told 200 where an object is
 * and AccessDenied (NoSuchKey to who may list) where none is: it learnt which keys exist, the probe review ra, 2 closed
 * for the ACL read. Now an ACL write that bindings alone allow also needs the caller to be allowed the read
 * (`s3:GetObject`/`s3:GetObjectVersion`, or `s3:GetBucketLocation` for the bucket), else AccessDenied naming it, before
 * saying whether the key exists. An IAM policy allowing `s3:PutObjectAcl` alone still writes it, as in S3.
 *
 * Before the fix 1 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { gatehouseJson } from './support/resource-server.ts';
import { s3Clients, s3Refusal } from './support/s3.ts';
import { startTestServer, userWithKey, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const BUCKET = 'rk2-acl-write';

describe('rk 2: writing an ACL under bindings needs the read permission too, as in GCP', () => {
  let s: TestServer;
  let setter: Credentials;
  let admin: Credentials;
  let iamOnly: Credentials;
  const s3 = s3Clients(() => s);

  before(async () => {
    s = await startTestServer();
    const account = s.adminFile.AccountId;
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'IamRole', metadata: { name: 'aclsetter' }, spec: { permissions: ['storage.objects.setIamPolicy', 'storage.buckets.setIamPolicy'] } }],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    await s3(s.admin).send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
    await s3(s.admin).send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'secret.csv', Body: 'x' }));
    setter = await userWithKey(s, 'rk2-setter');
    admin = await userWithKey(s, 'rk2-admin');
    iamOnly = await userWithPolicy(s, 'rk2-iam', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:PutObjectAcl', 's3:PutBucketAcl'], Resource: '*' }] }));
    const r = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', {
      resource: `arn:aws:s3:::${BUCKET}`,
      bindings: [
        { role: `accounts/${account}/roles/aclsetter`, members: ['user:rk2-setter'] },
        { role: 'roles/storage.admin', members: ['user:rk2-admin'] },
      ],
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  });
  after(async () => {
    s3.destroyAll();
    await s?.stop();
  });

  it('a setIamPolicy-only binding writes no object ACL nor bucket ACL, and learns no key', async () => {
    const existing = await s3Refusal(s3(setter).send(new S3.PutObjectAclCommand({ Bucket: BUCKET, Key: 'secret.csv', ACL: 'bucket-owner-full-control' })));
    assert.deepEqual(existing.slice(0, 2), ['AccessDenied', 403], JSON.stringify(existing));
    assert.match(String(existing[2]), /storage\.objects\.get/);
    const missing = await s3Refusal(s3(setter).send(new S3.PutObjectAclCommand({ Bucket: BUCKET, Key: 'absent.csv', ACL: 'bucket-owner-full-control' })));
    assert.deepEqual(missing, existing.map((v) => (typeof v === 'string' ? v.replace('secret.csv', 'absent.csv') : v)), 'the same answer whether the key exists or not');
    const bucket = await s3Refusal(s3(setter).send(new S3.PutBucketAclCommand({ Bucket: BUCKET, ACL: 'private' })));
    assert.deepEqual(bucket.slice(0, 2), ['AccessDenied', 403], JSON.stringify(bucket));
    assert.match(String(bucket[2]), /storage\.buckets\.get/);
  });

  it('a binding holding the read too writes them', async () => {
    assert.equal((await s3(admin).send(new S3.PutObjectAclCommand({ Bucket: BUCKET, Key: 'secret.csv', ACL: 'bucket-owner-full-control' }))).$metadata.httpStatusCode, 200);
    assert.equal((await s3(admin).send(new S3.PutBucketAclCommand({ Bucket: BUCKET, ACL: 'private' }))).$metadata.httpStatusCode, 200);
  });

  it('an IAM policy allowing the ACL write alone still writes them, as in S3', async () => {
    assert.equal((await s3(iamOnly).send(new S3.PutObjectAclCommand({ Bucket: BUCKET, Key: 'secret.csv', ACL: 'bucket-owner-full-control' }))).$metadata.httpStatusCode, 200);
    assert.equal((await s3(iamOnly).send(new S3.PutBucketAclCommand({ Bucket: BUCKET, ACL: 'private' }))).$metadata.httpStatusCode, 200);
  });
});
