/**
 * Review ly, 4: an IAM policy on an S3 bucket's or object's ARN written with a region or an account
 * (`arn:aws:s3:us-east-1:A:data`) was stored and answered 200, though S3's bucket ARNs have neither
 * (`arn:${Partition}:s3:::${BucketName}`, AWS Service Authorization Reference, Amazon S3, "Resource types") and the S3
 * gateway names every request `arn:aws:s3:::<bucket>/<key>`: the policy governed no request, silently (a
 * `roles/storage.objectViewer` grant read nothing). As review ly, 2 refuses a role's or a workspace's ARN with a region,
 * such a policy is now refused (`NO_SUCH_ENTITY` at `resource`, naming the ARN to attach to), through the API and
 * `apply` alike; nothing is written. Access points and S3's other regional ARNs are left alone.
 *
 * Before the fix 1 of 2 tests failed.
 *
 * Real server on 127.0.0.1, the S3 gateway through the AWS SDK v3, SigV4-signed /v1/ calls.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { gatehouseJson } from './support/resource-server.ts';
import { s3Clients } from './support/s3.ts';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const BUCKET = 'ly4-data';

describe('an IAM policy on an S3 ARN that names a region or an account', () => {
  let s: TestServer;
  let account: string;
  let reader: Credentials;
  const s3 = s3Clients(() => s);
  const bindings = [{ role: 'roles/storage.objectViewer', members: ['user:ly4-reader'] }];
  const detail = (json: Record<string, unknown>) => ((json['error'] as { details?: { code: string; path: string; message: string }[] } | undefined)?.details ?? [])[0];

  before(async () => {
    s = await startTestServer();
    account = s.adminFile.AccountId;
    await s3(s.admin).send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
    await s3(s.admin).send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'a.csv', Body: 'a,b' }));
    reader = await userWithKey(s, 'ly4-reader');
  });
  after(async () => {
    s3.destroyAll();
    await s?.stop();
  });

  it('is refused through the API and apply, naming the ARN to attach to; nothing is written', async () => {
    for (const resource of [`arn:aws:s3:us-east-1:${account}:${BUCKET}`, `arn:aws:s3::${account}:${BUCKET}/reports`]) {
      const put = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', { resource, bindings });
      assert.equal(put.status, 404, `${resource}: ${JSON.stringify(put.json)}`);
      const e = detail(put.json);
      assert.equal(e?.code, 'NO_SUCH_ENTITY');
      assert.equal(e?.path, 'resource');
      assert.ok(e?.message.includes(`\`arn:aws:s3:::${resource.slice(resource.lastIndexOf(':') + 1)}\``), e?.message);
      const got = await gatehouseJson(s.url, s.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(resource)}`);
      assert.ok(got.status !== 200 || (got.json['bindings'] as unknown[]).length === 0, `nothing was written: ${JSON.stringify(got.json)}`);
    }
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name: 'data' }, spec: { resource: `arn:aws:s3:eu-west-1::${BUCKET}`, bindings } }] });
    assert.equal(applied.status, 404, JSON.stringify(applied.json));
    assert.equal(detail(applied.json)?.path, 'spec.resource');
  });

  it('the bucket’s own ARN, and an access point’s, are taken; the bucket’s grants', async () => {
    const put = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', { resource: `arn:aws:s3:::${BUCKET}`, bindings });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    assert.equal(await (await s3(reader).send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'a.csv' }))).Body?.transformToString(), 'a,b');
    const ap = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', { resource: `arn:aws:s3:us-east-1:${account}:accesspoint/ly4`, bindings });
    assert.equal(ap.status, 200, JSON.stringify(ap.json));
  });
});
