/**
 * Review tb, 2, against a real server with the real `@aws-sdk/client-s3`: CreateBucket of a bucket the caller's account
 * already owns is answered 200 in us-east-1, as S3 answers it there; another account's bucket is still refused.
 *
 * What was wrong: the gateway, whose buckets are in us-east-1, answered 409 BucketAlreadyOwnedByYou. S3 returns that
 * error "in all Amazon Web Services Regions except in the North Virginia Region. For legacy compatibility, if you
 * re-create an existing bucket that you already own in the North Virginia Region, Amazon S3 returns 200 OK"
 * (API_CreateBucket, the BucketAlreadyOwnedByYou error as every SDK documents it; moto and LocalStack answer so in
 * us-east-1). So a script or an application that makes its bucket at every start (`aws s3 mb`, an SDK's CreateBucket
 * before the first write), which S3 in us-east-1 answers 200 each time, failed its second start on the gateway.
 *
 * What is now so: the caller's own bucket, made again, is 200, and nothing about it changes (objects, policy, creation
 * date; ACLs are disabled, so there is none to reset); the request is still decided as s3:CreateBucket. A bucket of
 * another account is 409 BucketAlreadyExists, as before. (A gateway in another region would answer 409
 * BucketAlreadyOwnedByYou; this one is in us-east-1.)
 *
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import type { App } from '../src/app/index.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { s3Refusal } from './support/s3.ts';

const OTHER = '222222222222';
const B = 'tb2-own-bucket';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let server: TestServer;
let app: App;
const clients: S3.S3Client[] = [];
function s3(credentials: Credentials = server.admin): S3.S3Client {
  const c = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials, maxAttempts: 1 });
  clients.push(c);
  return c;
}

before(async () => {
  server = await startTestServer();
  app = await server.openApp();
});
after(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await server?.stop();
});

describe('tb 2: CreateBucket of a bucket that exists', () => {
  it("of the caller's own account is 200 in us-east-1, and the bucket is as it was", async () => {
    const c = s3();
    await c.send(new S3.CreateBucketCommand({ Bucket: B }));
    await c.send(new S3.PutObjectCommand({ Bucket: B, Key: 'kept', Body: 'still here' }));
    const policy = doc({ Effect: 'Deny', Principal: '*', Action: 's3:DeleteBucket', Resource: `arn:aws:s3:::${B}` });
    await c.send(new S3.PutBucketPolicyCommand({ Bucket: B, Policy: policy }));
    const created = (await c.send(new S3.ListBucketsCommand({}))).Buckets?.find((b) => b.Name === B)?.CreationDate?.getTime();
    const again = await c.send(new S3.CreateBucketCommand({ Bucket: B }));
    assert.equal(again.$metadata.httpStatusCode, 200);
    assert.equal(await (await c.send(new S3.GetObjectCommand({ Bucket: B, Key: 'kept' }))).Body?.transformToString(), 'still here');
    assert.equal((await c.send(new S3.GetBucketPolicyCommand({ Bucket: B }))).Policy, policy);
    assert.equal((await c.send(new S3.ListBucketsCommand({}))).Buckets?.find((b) => b.Name === B)?.CreationDate?.getTime(), created);
  });

  it("of another account is still 409 BucketAlreadyExists, and a user refused CreateBucket is refused", async () => {
    const root = await app.authenticate(server.admin.accessKeyId);
    assert.ok(root.ok);
    const made = await app.createAccount(root.value.caller, { id: OTHER, partition: 'aws', name: 'other' });
    assert.ok(made.ok, JSON.stringify(made));
    const other = s3({ accessKeyId: made.value.AccessKeyId, secretAccessKey: made.value.SecretAccessKey });
    const [name, status] = await s3Refusal(other.send(new S3.CreateBucketCommand({ Bucket: B })));
    assert.deepEqual([name, status], ['BucketAlreadyExists', 409]);
    // A user of the owner's account with no CreateBucket: refused as before, the bucket's existence not confirmed.
    const iam = server.iam();
    await iam.send(new I.CreateUserCommand({ UserName: 'tb2-reader' }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'tb2-reader', PolicyName: 'reads', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) }));
    const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'tb2-reader' }));
    const reader = s3({ accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' });
    const [denied, deniedStatus] = await s3Refusal(reader.send(new S3.CreateBucketCommand({ Bucket: B })));
    assert.deepEqual([denied, deniedStatus], ['AccessDenied', 403]);
  });
});
