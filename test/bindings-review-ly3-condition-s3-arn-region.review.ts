/**
 * Review ly, 3: an S3 bucket's ARN has no region and no account: `arn:${Partition}:s3:::${BucketName}` and
 * `…:::${BucketName}/${ObjectName}` (AWS Service Authorization Reference, Amazon S3, "Resource types"), which is how
 * the S3 gateway names every request (src/app/s3.ts `bucketArn`, `objectArn`). A binding's condition written with an
 * account's ARN shape (`arn:aws:s3:us-east-1:A:data/secret/`, as an administrator writes a role's or a job's) was stored
 * as written: `roles/storage.objectViewer` on the account under `!resource.name.startsWith("arn:aws:s3:us-east-1:A:
 * data/secret/")`, "every object but secret/", held for `secret/` too, and its member read it through the S3 gateway
 * (fail open); the positive form granted nothing. Review ie, 1 refused the same for an OSS ARN with a region or an
 * account; an S3 one slipped past. Now a write refuses `==`, `!=` and `startsWith` of `resource.name` with an S3 bucket
 * or object ARN naming a region or an account, at the literal, naming the ARN to write; access points, batch jobs and
 * the other S3 resources that do carry them are left alone. The regionless ARN is taken and decides as meant.
 *
 * Before the fix 2 of 3 tests failed.
 *
 * Real server on 127.0.0.1, the S3 gateway through the AWS SDK v3, SigV4-signed /v1/ calls.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { gatehouseJson } from './support/resource-server.ts';
import { s3Clients } from './support/s3.ts';
import { details } from './support/bindings-conditions.ts';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const BUCKET = 'ly3-data';

describe('a condition comparing resource.name with an S3 ARN that names a region or an account', () => {
  let s: TestServer;
  let account: string;
  let reader: Credentials;
  const s3 = s3Clients(() => s);
  const put = (expression: string) =>
    gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', { resource: `account/${account}`, bindings: [{ role: 'roles/storage.objectViewer', members: ['user:ly3-reader'], condition: { title: 'not secret', expression } }] });
  const reads = async (key: string): Promise<boolean> => {
    try {
      await (await s3(reader).send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body?.transformToString();
      return true;
    } catch (e) {
      assert.equal((e as { name?: string }).name, 'AccessDenied', String(e));
      return false;
    }
  };

  before(async () => {
    s = await startTestServer();
    account = s.adminFile.AccountId;
    await s3(s.admin).send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
    for (const key of ['secret/keys.csv', 'public/a.csv']) await s3(s.admin).send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'a,b' }));
    reader = await userWithKey(s, 'ly3-reader');
  });
  after(async () => {
    s3.destroyAll();
    await s?.stop();
  });

  it('`!resource.name.startsWith("arn:aws:s3:us-east-1:A:data/secret/")` is refused, naming the ARN to write, and secret/ is not read', async () => {
    const r = await put(`!resource.name.startsWith("arn:aws:s3:us-east-1:${account}:${BUCKET}/secret/")`);
    assert.equal(r.status, 400, JSON.stringify(r.json));
    const [e] = details(r.json);
    assert.equal(e?.code, 'BINDINGS_INVALID_CONDITION');
    assert.equal(e?.path, 'bindings[0].condition.expression');
    assert.equal(e?.column, 27);
    assert.ok((e?.message ?? '').includes(`\`arn:aws:s3:::${BUCKET}/secret/\``), e?.message);
    assert.equal(await reads('secret/keys.csv'), false);
  });

  it('with an account alone or a region alone, by `==` and `!=` too; an access point’s ARN is left alone', async () => {
    for (const expression of [`resource.name != "arn:aws:s3::${account}:${BUCKET}/secret/keys.csv"`, `resource.name == "arn:aws:s3:us-east-1::${BUCKET}"`]) {
      const r = await put(expression);
      assert.equal(r.status, 400, `${expression}: ${JSON.stringify(r.json)}`);
      assert.equal(details(r.json)[0]?.code, 'BINDINGS_INVALID_CONDITION');
    }
    const ap = await put(`!resource.name.startsWith("arn:aws:s3:us-east-1:${account}:accesspoint/secret")`);
    assert.equal(ap.status, 200, JSON.stringify(ap.json));
  });

  it('the ARN without region and account is taken and decides as meant', async () => {
    const r = await put(`!resource.name.startsWith("arn:aws:s3:::${BUCKET}/secret/")`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(await reads('public/a.csv'), true);
    assert.equal(await reads('secret/keys.csv'), false);
  });
});
