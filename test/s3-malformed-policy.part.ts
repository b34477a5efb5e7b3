/**
 * PutBucketPolicy with a document the engine refuses answers `MalformedPolicy` with the parser's message and where
 * it points, `(at <JSON path>, line <n>)`, as IAM's `MalformedPolicyDocument` does (docs/errors.md), through the
 * real `@aws-sdk/client-s3` and `@aws-sdk/client-iam` against a real server on 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type TestServer, sdkFailure as failure } from './support/server.ts';

const EFFECT = '`Effect` must be `Allow` or `Deny`, got `allow` (effects are case-sensitive: write `Allow`)';

describe('S3 PutBucketPolicy: MalformedPolicy names the path and line of the error', () => {
  let server: TestServer;
  let s3: S3.S3Client;

  before(async () => {
    server = await startTestServer();
    s3 = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'team' }));
  });
  after(async () => {
    s3?.destroy();
    await server?.stop();
  });

  it('a bad Effect: the parser\'s message, at Statement[0].Effect, line 7; IAM CreatePolicy says it the same way', async () => {
    const policy = JSON.stringify(
      { Version: '2012-10-17', Statement: [{ Sid: 'Read', Principal: '*', Effect: 'allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::team/*' }] },
      null,
      2,
    );
    assert.equal(policy.split('\n')[6]?.trim(), '"Effect": "allow",', policy);
    const f = await failure(s3.send(new S3.PutBucketPolicyCommand({ Bucket: 'team', Policy: policy })));
    assert.deepEqual([f.code, f.status], ['MalformedPolicy', 400]);
    assert.equal(f.message, `${EFFECT} (at Statement[0].Effect, line 7)`);

    // The IAM API's form of the same error (an identity policy: the same statement without its Principal).
    const identity = policy.replace('      "Principal": "*",\n', '');
    const iam = server.iam();
    try {
      const g = await failure(iam.send(new I.CreatePolicyCommand({ PolicyName: 'bad', PolicyDocument: identity })));
      assert.deepEqual([g.code, g.message], ['MalformedPolicyDocument', `${EFFECT} (at Statement[0].Effect, line 6)`]);
    } finally {
      iam.destroy();
    }
    // Nothing was stored.
    assert.equal((await failure(s3.send(new S3.GetBucketPolicyCommand({ Bucket: 'team' })))).code, 'NoSuchBucketPolicy');
  });

  it('an error in a later statement names that statement and its element', async () => {
    const policy = [
      '{"Version": "2012-10-17", "Statement": [',
      '  {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::team/*"},',
      '  {"Effect": "Deny", "Principal": "*", "Action": "s3 DeleteObject", "Resource": "arn:aws:s3:::team/*"}',
      ']}',
    ].join('\n');
    const f = await failure(s3.send(new S3.PutBucketPolicyCommand({ Bucket: 'team', Policy: policy })));
    assert.equal(f.code, 'MalformedPolicy');
    assert.match(f.message, /^action `s3 DeleteObject` must look like `service:ActionName`.* \(at Statement\[1\]\.Action, line 3\)$/);
  });

  it('a document that is not JSON keeps the parser\'s position, with no empty path appended', async () => {
    const f = await failure(s3.send(new S3.PutBucketPolicyCommand({ Bucket: 'team', Policy: '{"Version": "2012-10-17", "Statement": [' })));
    assert.equal(f.code, 'MalformedPolicy');
    assert.equal(f.message, 'unexpected end of document at line 1, column 41');
  });
});
