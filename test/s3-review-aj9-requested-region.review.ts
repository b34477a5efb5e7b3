/**
 * Review aj, 12, against a real server with the real `@aws-sdk/client-s3`: `aws:RequestedRegion` (the region the
 * request was signed for) reaches the S3 gateway's decisions, so the region guard of identity policies — Deny
 * `s3:*` when `StringNotEquals aws:RequestedRegion [us-east-1]` — lets a client signing for us-east-1 through and
 * refuses one signing for another region. The key was absent, StringNotEquals true, and the guard refused every S3
 * request.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type Credentials, type TestServer, sdkFailure as failure } from './support/server.ts';

const BUCKET = 'aj9-region';
let server: TestServer;
const clients: S3.S3Client[] = [];

function s3(credentials: Credentials, region = 'us-east-1'): S3.S3Client {
  const c = new S3.S3Client({ endpoint: server.running.s3Url, region, forcePathStyle: true, credentials, maxAttempts: 1 });
  clients.push(c);
  return c;
}

before(async () => {
  server = await startTestServer();
  await s3(server.admin).send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
  await s3(server.admin).send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'v' }));
});

after(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await server?.stop();
});

describe('12: aws:RequestedRegion', () => {
  it('the region guard passes requests signed for the allowed region and refuses the others', async () => {
    const iam = server.iam();
    await iam.send(new I.CreateUserCommand({ UserName: 'regional' }));
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 's3:*', Resource: '*' },
        { Sid: 'OnlyUsEast1', Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { StringNotEquals: { 'aws:RequestedRegion': ['us-east-1'] } } },
      ],
    };
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'regional', PolicyName: 'p', PolicyDocument: JSON.stringify(policy) }));
    const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'regional' }));
    const keys = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };

    assert.equal(await (await s3(keys).send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'k' }))).Body?.transformToString(), 'v');
    assert.equal((await s3(keys).send(new S3.ListObjectsV2Command({ Bucket: BUCKET }))).KeyCount, 1);
    const refused = await failure(s3(keys, 'eu-west-1').send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'k' })));
    assert.equal(refused.code, 'AccessDenied');
    assert.match(refused.message, /explicit deny in an identity-based policy/);
  });
});
