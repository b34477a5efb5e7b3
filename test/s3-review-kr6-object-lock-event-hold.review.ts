/**
 * Review kr, 6, against a real server with the real `@aws-sdk/client-s3`: a write asking for an Object Lock event hold
 * (`ObjectLockEventHold`, `ObjectLockEventHoldDurationDays` / `Years`: the `x-amz-object-lock-event-hold*` headers) is
 * refused as the other Object Lock headers are, and nothing is written.
 *
 * What was wrong: review aj, 11 refused a retention mode and date and a legal hold, "Bucket is missing Object Lock
 * Configuration", as S3 refuses them on a bucket without Object Lock; the event-hold headers, which SDK v3 sends from
 * PutObject, CopyObject and CreateMultipartUpload, were not on that list and were dropped: the client was told its
 * object was held, and it could be deleted or replaced at once.
 *
 * What is now so: PutObject, CopyObject and CreateMultipartUpload with any of the three headers are 400 InvalidRequest
 * "Bucket is missing Object Lock Configuration" naming the header; no object and no upload is made.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket, objectExists, s3Refusal } from './support/s3.ts';

const B = 'kr6-event-hold';
let c: S3.S3Client;
adminBucket(B, (client) => {
  c = client;
});

describe('kr 6: Object Lock event holds are refused, not dropped', () => {
  it('PutObject with an event hold, or its duration alone: 400 InvalidRequest naming the header; nothing written', async () => {
    const asked: [string, Partial<S3.PutObjectCommandInput>][] = [
      ['x-amz-object-lock-event-hold', { ObjectLockEventHold: 'ON' }],
      ['x-amz-object-lock-event-hold-duration-days', { ObjectLockEventHoldDurationDays: 30 }],
      ['x-amz-object-lock-event-hold-duration-years', { ObjectLockEventHoldDurationYears: 1 }],
    ];
    for (const [header, input] of asked) {
      const [name, status, message] = await s3Refusal(c.send(new S3.PutObjectCommand({ Bucket: B, Key: 'held', Body: 'v', ...input })));
      assert.deepEqual([name, status], ['InvalidRequest', 400], header);
      assert.match(message, /^Bucket is missing Object Lock Configuration/, header);
      assert.ok(message.includes(header), `${header} in: ${message}`);
      assert.equal(await objectExists(c, B, 'held'), false, header);
    }
  });

  it('CopyObject and CreateMultipartUpload with an event hold: refused too; no copy, no upload', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: B, Key: 'src', Body: 'v' }));
    const [copy] = await s3Refusal(c.send(new S3.CopyObjectCommand({ Bucket: B, Key: 'copy', CopySource: `${B}/src`, ObjectLockEventHold: 'ON', ObjectLockEventHoldDurationDays: 30 })));
    assert.equal(copy, 'InvalidRequest');
    assert.equal(await objectExists(c, B, 'copy'), false);
    const [create] = await s3Refusal(c.send(new S3.CreateMultipartUploadCommand({ Bucket: B, Key: 'mpu', ObjectLockEventHold: 'ON' })));
    assert.equal(create, 'InvalidRequest');
    assert.deepEqual((await c.send(new S3.ListMultipartUploadsCommand({ Bucket: B }))).Uploads ?? [], []);
  });
});
