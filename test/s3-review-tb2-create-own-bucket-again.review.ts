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
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import type { App } from '../src/app/index.ts';
import { createdAccountThrough, userWithPolicy, type TestServer } from './support/server.ts';
import { s3Refusal, serverAppAndS3 } from './support/s3.ts';

const OTHER = '222222222222';
const B = 'tb2-own-bucket';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let server: TestServer;
let app: App;
const s3 = serverAppAndS3((s, a) => ((server = s), (app = a)));

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
    const other = s3(await createdAccountThrough(app, server.admin, OTHER, 'other'));
    const [name, status] = await s3Refusal(other.send(new S3.CreateBucketCommand({ Bucket: B })));
    assert.deepEqual([name, status], ['BucketAlreadyExists', 409]);
    // A user of the owner's account with no CreateBucket: refused as before, the bucket's existence not confirmed.
    const reader = s3(await userWithPolicy(server, 'tb2-reader', doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }), 'reads'));
    const [denied, deniedStatus] = await s3Refusal(reader.send(new S3.CreateBucketCommand({ Bucket: B })));
    assert.deepEqual([denied, deniedStatus], ['AccessDenied', 403]);
  });
});
