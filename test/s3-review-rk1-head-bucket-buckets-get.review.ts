/**
 * Review rk, 1, against a real server with `@aws-sdk/client-s3`: HeadBucket by the holder of a binding that grants
 * `storage.buckets.get`.
 *
 * What was wrong: the gateway decided HeadBucket as `s3:ListBucket` only (API_HeadBucket: "you must have permissions to
 * perform the s3:ListBucket action"), which bindings answer as `storage.objects.list`. GCP asks `storage.buckets.get` for
 * the same request (Cloud Storage "IAM permissions for XML methods": `HEAD` bucket, `storage.buckets.get`; DESIGN.md
 * seed 7: bindings grant as GCP's predefined and custom roles do). So a binding of a custom role holding
 * `storage.buckets.get` — a bucket-metadata reader, which the gateway already let read the bucket's location and
 * versioning — was refused the one request every SDK and mount tool uses to check that a bucket exists and where it is
 * (boto3 `head_bucket`, s3fs, `aws s3api wait bucket-exists`).
 *
 * What is now so: HeadBucket is allowed to who may `s3:ListBucket`, as in S3, or, when nothing denies that explicitly,
 * to who a binding grants `storage.buckets.get` (`s3:GetBucketLocation`), as in GCP. An IAM policy allowing
 * `s3:GetBucketLocation` alone still does not allow it (S3's rule), and an explicit Deny of `s3:ListBucket` still wins.
 *
 * Before the fix 1 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { gatehouseJson } from './support/resource-server.ts';
import { s3Clients, s3Refusal } from './support/s3.ts';
import { startTestServer, userWithKey, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const BUCKET = 'rk1-head-bucket';

/** The HTTP status HeadBucket was answered with (a refusal is thrown by the SDK). */
async function headStatus(c: S3.S3Client): Promise<number | undefined> {
  try {
    return (await c.send(new S3.HeadBucketCommand({ Bucket: BUCKET }))).$metadata.httpStatusCode;
  } catch (e) {
    return (e as S3.S3ServiceException).$metadata?.httpStatusCode;
  }
}

describe('rk 1: HeadBucket under bindings takes storage.buckets.get, as GCP', () => {
  let s: TestServer;
  let reader: Credentials;
  let viewer: Credentials;
  let iamLocation: Credentials;
  let denied: Credentials;
  const s3 = s3Clients(() => s);

  before(async () => {
    s = await startTestServer();
    const account = s.adminFile.AccountId;
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'IamRole', metadata: { name: 'bucketmeta' }, spec: { permissions: ['storage.buckets.get'] } }],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    await s3(s.admin).send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
    reader = await userWithKey(s, 'rk1-reader');
    viewer = await userWithKey(s, 'rk1-viewer');
    const one = (effect: string, action: string): string => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: effect, Action: action, Resource: '*' }] });
    iamLocation = await userWithPolicy(s, 'rk1-iam', one('Allow', 's3:GetBucketLocation'));
    denied = await userWithPolicy(s, 'rk1-denied', one('Deny', 's3:ListBucket'));
    const r = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', {
      resource: `arn:aws:s3:::${BUCKET}`,
      bindings: [
        { role: `accounts/${account}/roles/bucketmeta`, members: ['user:rk1-reader', 'user:rk1-denied'] },
        { role: 'roles/storage.objectViewer', members: ['user:rk1-viewer'] },
      ],
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  });
  after(async () => {
    s3.destroyAll();
    await s?.stop();
  });

  it('a binding granting storage.buckets.get alone answers HeadBucket 200, and lists nothing', async () => {
    assert.equal(await headStatus(s3(reader)), 200);
    assert.equal((await s3(reader).send(new S3.GetBucketLocationCommand({ Bucket: BUCKET }))).$metadata.httpStatusCode, 200);
    const list = await s3Refusal(s3(reader).send(new S3.ListObjectsV2Command({ Bucket: BUCKET })));
    assert.deepEqual(list.slice(0, 2), ['AccessDenied', 403]);
  });

  it('storage.objects.list (s3:ListBucket) still answers HeadBucket, as S3', async () => {
    assert.equal(await headStatus(s3(viewer)), 200);
  });

  it('an IAM policy allowing s3:GetBucketLocation alone does not, as in S3', async () => {
    assert.equal(await headStatus(s3(iamLocation)), 403);
  });

  it('an explicit Deny of s3:ListBucket wins over the binding', async () => {
    assert.equal(await headStatus(s3(denied)), 403);
  });
});
