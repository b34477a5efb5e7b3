/**
 * Review ha, 1, against a real server with the real `@aws-sdk/client-s3`: PutBucketPolicy refuses an `Action` that
 * names an S3 API operation rather than an IAM action (`s3:ListObjectsV2`, `s3:HeadObject`, `s3:CopyObject`…), with
 * MalformedPolicy "Policy has invalid action", as S3 does.
 *
 * What was wrong: the gateway stored such a policy. No request is ever decided as `s3:ListObjectsV2` (a listing is
 * `s3:ListBucket`, a HEAD is `s3:GetObject`, a copy `s3:GetObject` + `s3:PutObject`), so the statement matched
 * nothing: an Allow granted nothing while looking in force, and a Deny (the usual "deny listing to everyone but…")
 * protected nothing, silently. S3 refuses the policy when it is written, which is where the mistake shows.
 *
 * What is now so: the policy is refused with MalformedPolicy naming the action, where it is, and the action to write
 * instead; nothing is stored. Real actions, wildcards and the actions' case-insensitive spelling pass as before.
 *
 * Before the fix, the first two tests failed (the policies were stored).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket, s3Refusal } from './support/s3.ts';

const BUCKET = 'ha1-policy';
let c: S3.S3Client;
adminBucket(BUCKET, (client) => {
  c = client;
});

const policy = (Action: string | string[], Resource: string, extra: object = {}): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action, Resource, ...extra }] });

async function storedPolicy(): Promise<string | undefined> {
  try {
    return (await c.send(new S3.GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy;
  } catch (e) {
    if ((e as { name?: string }).name === 'NoSuchBucketPolicy') return undefined;
    throw e;
  }
}

describe('ha 1: an API operation name is not a bucket-policy action', () => {
  it('s3:ListObjectsV2 is refused, naming s3:ListBucket, and nothing is stored', async () => {
    const [name, status, message] = await s3Refusal(c.send(new S3.PutBucketPolicyCommand({ Bucket: BUCKET, Policy: policy('s3:ListObjectsV2', `arn:aws:s3:::${BUCKET}`) })));
    assert.equal(name, 'MalformedPolicy');
    assert.equal(status, 400);
    assert.match(message, /^Policy has invalid action/);
    assert.match(message, /s3:ListObjectsV2/);
    assert.match(message, /Statement\[0\]\.Action/);
    assert.match(message, /s3:ListBucket/);
    assert.equal(await storedPolicy(), undefined);
  });

  it('the other operation names users write for actions are refused too, in Action and NotAction, any case', async () => {
    const cases: [string, string][] = [
      ['s3:HeadObject', 's3:GetObject'],
      ['s3:listobjects', 's3:ListBucket'],
      ['s3:CopyObject', 's3:GetObject'],
      ['s3:UploadPart', 's3:PutObject'],
      ['s3:CreateMultipartUpload', 's3:PutObject'],
      ['s3:CompleteMultipartUpload', 's3:PutObject'],
      ['s3:DeleteObjects', 's3:DeleteObject'],
      ['s3:ListParts', 's3:ListMultipartUploadParts'],
      ['s3:ListMultipartUploads', 's3:ListBucketMultipartUploads'],
      ['s3:ListBuckets', 's3:ListAllMyBuckets'],
      ['s3:ListObjectVersions', 's3:ListBucketVersions'],
      ['s3:GetBucketEncryption', 's3:GetEncryptionConfiguration'],
      ['s3:PutBucketLifecycleConfiguration', 's3:PutLifecycleConfiguration'],
    ];
    for (const [action, instead] of cases) {
      const [name, , message] = await s3Refusal(c.send(new S3.PutBucketPolicyCommand({ Bucket: BUCKET, Policy: policy(['s3:GetObject', action], '*') })));
      assert.equal(name, 'MalformedPolicy', action);
      assert.match(message, /^Policy has invalid action/, action);
      assert.ok(message.includes(action) && message.includes(instead), `${action}: ${message}`);
    }
    const [name] = await s3Refusal(c.send(new S3.PutBucketPolicyCommand({ Bucket: BUCKET, Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', NotAction: 's3:HeadObject', Resource: '*' }] }) })));
    assert.equal(name, 'MalformedPolicy');
    assert.equal(await storedPolicy(), undefined);
  });

  it('real actions, in any case and with wildcards, are stored as before', async () => {
    const doc = policy(['s3:listbucket', 's3:GetObject', 's3:List*', 's3:*Object'], '*', { Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    await c.send(new S3.PutBucketPolicyCommand({ Bucket: BUCKET, Policy: doc }));
    assert.deepEqual(JSON.parse((await storedPolicy()) ?? '{}'), JSON.parse(doc));
  });
});
