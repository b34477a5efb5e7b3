/**
 * Policy review C5: `{"Service": "*"}` in a resource or trust policy named everyone, not every service:
 * 1. any user of the account, with no policy at all, assumed a role whose trust policy says `{"Service": "*"}` (STS
 *    through the AWS SDK v3);
 * 2. a bucket policy granting s3:GetObject to `{"Service": "*"}` let anonymous callers read the bucket (S3 gateway,
 *    unsigned HTTP) and users of other accounts.
 * It now matches service principals only, as `Principal: "*"` does for them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import { errorName, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const doc = (...Statement: unknown[]): string => JSON.stringify({ Version: '2012-10-17', Statement });

describe('policy review C5: {"Service": "*"} names services only', () => {
  let s: TestServer;
  let nobody: Credentials;
  let s3: S3.S3Client;

  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new CreateRoleCommand({ RoleName: 'svcstar', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Service: '*' }, Action: 'sts:AssumeRole' }) }));
    await iam.send(new CreateUserCommand({ UserName: 'nobody' }));
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'nobody' }));
    nobody = { accessKeyId: key.AccessKey?.AccessKeyId ?? '', secretAccessKey: key.AccessKey?.SecretAccessKey ?? '' };
    s3 = new S3.S3Client({ endpoint: s.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: s.admin, maxAttempts: 1 });
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'svc-data' }));
    await s3.send(new S3.PutObjectCommand({ Bucket: 'svc-data', Key: 'k', Body: 'secret' }));
    await s3.send(new S3.PutBucketPolicyCommand({ Bucket: 'svc-data', Policy: doc({ Effect: 'Allow', Principal: { Service: '*' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::svc-data/*' }) }));
  });
  after(async () => {
    s3.destroy();
    await s.stop();
  });

  it('a user with no policy cannot assume a role whose trust policy names {"Service": "*"}', async () => {
    assert.equal(await errorName(s.sts(nobody).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/svcstar`, RoleSessionName: 'probe' }))), 'AccessDenied');
  });

  it('a bucket policy granting {"Service": "*"} does not open the bucket to anonymous callers or users', async () => {
    const anon = await fetch(`${s.running.s3Url}/svc-data/k`);
    assert.equal(anon.status, 403, await anon.text());
    const asNobody = new S3.S3Client({ endpoint: s.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: nobody, maxAttempts: 1 });
    try {
      assert.equal(await errorName(asNobody.send(new S3.GetObjectCommand({ Bucket: 'svc-data', Key: 'k' }))), 'AccessDenied');
    } finally {
      asNobody.destroy();
    }
  });
});
