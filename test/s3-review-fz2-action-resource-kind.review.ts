/**
 * Review fz, 2, against a real server with the real `@aws-sdk/client-s3`: PutBucketPolicy refuses a statement whose
 * action applies to none of its resources, as S3 does (MalformedPolicy "Action does not apply to any resource(s) in
 * statement").
 *
 * What was wrong: S3 decides an object action (`s3:GetObject`, `s3:DeleteObject`…) on the object's ARN
 * (`arn:aws:s3:::bucket/key`) and a bucket action (`s3:ListBucket`…) on the bucket's (`arn:aws:s3:::bucket`), and its
 * PutBucketPolicy refuses a statement naming an action with no resource of that kind: the most common slip in a bucket
 * policy (`s3:DeleteObject` on `arn:aws:s3:::bucket`, `s3:ListBucket` on `arn:aws:s3:::bucket/*`). The gateway stored
 * it, and, rightly decided as S3 decides, the statement never matched a request: a Deny written to stop deleting the
 * bucket's checkpoints, or listing its prefix, looked in force and stopped nothing.
 *
 * What is now so: such a statement is 400 MalformedPolicy naming the action and the resource to write, nothing stored;
 * a statement whose actions each apply to one of its resources (`s3:ListBucket` with the bucket and `s3:GetObject` with
 * `bucket/*` in one statement, `s3:*`, `s3:Get*`, `Resource: "*"`, a wildcard bucket segment) is stored as before.
 *
 * Before the fix, the first test failed (the policies were stored); the second passed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket, s3Refusal } from './support/s3.ts';

const BUCKET = 'fz2-checkpoints';
const ARN = `arn:aws:s3:::${BUCKET}`;

let c: S3.S3Client;
adminBucket(BUCKET, (client) => (c = client));

const policy = (...statements: Record<string, unknown>[]): string => JSON.stringify({ Version: '2012-10-17', Statement: statements.map((s) => ({ Principal: '*', ...s })) });
const putPolicy = (document: string) => c.send(new S3.PutBucketPolicyCommand({ Bucket: BUCKET, Policy: document }));
const stored = async (): Promise<string | undefined> => {
  try {
    return (await c.send(new S3.GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy;
  } catch {
    return undefined;
  }
};

describe('fz 2: an action that applies to none of the statement\'s resources', () => {
  it('is refused MalformedPolicy, nothing stored: object actions on the bucket ARN, bucket actions on its objects', async () => {
    const refused = [
      policy({ Sid: 'KeepCheckpoints', Effect: 'Deny', Action: 's3:DeleteObject', Resource: ARN }),
      policy({ Sid: 'NoListing', Effect: 'Deny', Action: 's3:ListBucket', Resource: `${ARN}/*` }),
      policy({ Effect: 'Deny', Action: ['s3:GetObject', 's3:ListBucket'], Resource: `${ARN}/private/*` }),
      policy({ Effect: 'Deny', Action: 's3:putobject', Resource: [ARN] }),
    ];
    for (const document of refused) {
      const [name, status, message] = await s3Refusal(putPolicy(document));
      assert.deepEqual([name, status], ['MalformedPolicy', 400], document);
      assert.match(message, /Action does not apply to any resource\(s\) in statement/);
      assert.equal(await stored(), undefined, `stored: ${document}`);
    }
    const [, , message] = await s3Refusal(putPolicy(refused[0]!));
    assert.match(message, /s3:DeleteObject/);
    assert.match(message, new RegExp(`arn:aws:s3:::${BUCKET}/\\*`));
  });

  it('a statement whose actions each apply to one of its resources is stored, and its Deny applies', async () => {
    const accepted = [
      policy({ Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetObject'], Resource: [ARN, `${ARN}/*`] }),
      policy({ Effect: 'Allow', Action: 's3:*', Resource: ARN }),
      policy({ Effect: 'Allow', Action: 's3:Get*', Resource: ARN }),
      policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }),
      policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::fz2-*' }),
      policy({ Effect: 'Allow', Action: 's3:GetObject', NotResource: ARN }),
    ];
    for (const document of accepted) {
      await putPolicy(document);
      assert.equal(await stored(), document);
    }
    await putPolicy(policy({ Sid: 'KeepCheckpoints', Effect: 'Deny', Action: 's3:DeleteObject', Resource: `${ARN}/*` }));
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'step-1/model.pt', Body: 'w' }));
    assert.deepEqual((await s3Refusal(c.send(new S3.DeleteObjectCommand({ Bucket: BUCKET, Key: 'step-1/model.pt' })))).slice(0, 2), ['AccessDenied', 403]);
    await c.send(new S3.DeleteBucketPolicyCommand({ Bucket: BUCKET }));
  });
});
