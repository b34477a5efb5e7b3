/**
 * Review oy, 1, against a real server with `@aws-sdk/client-s3`: a multipart upload under the bucket policy that
 * requires every object written to carry a tag (`s3:RequestObjectTag/<key>`).
 *
 * The contract: the User Guide's tag guards ("Tagging and access control policies": `s3:RequestObjectTag/<key>` and
 * `s3:RequestObjectTagKeys` "restrict object tag keys and values you want to allow on objects" written with
 * PutObject), and API_CreateMultipartUpload, which takes the object's tags as `x-amz-tagging` at initiation only:
 * UploadPart and CompleteMultipartUpload carry no such header, and every one of them is an `s3:PutObject` (the
 * gateway's table, docs/decisions.md "S3 gateway"). The gateway already decides parts and completion on the write
 * headers the upload was created with (review nu, 3: encryption and ACL guards); the tags are the same kind of input.
 *
 * What was wrong: UploadPart, UploadPartCopy and CompleteMultipartUpload were decided without the upload's tags. Under
 * "Deny s3:PutObject when Null s3:RequestObjectTag/project true" (or StringNotEquals on its value), an upload created
 * with `Tagging: project=ml` was let begin and then every part was refused AccessDenied: no object past a client's
 * multipart threshold (8 MB for the aws CLI and SDK v3's Upload) could be written under the guard at all, tagged or not.
 *
 * What is now so: the tags CreateMultipartUpload set are `s3:RequestObjectTag/*` and `s3:RequestObjectTagKeys` of its
 * parts, part copies and completion (a retried completion too); the completed object carries them. An upload begun
 * without the tag, or with another value, is still refused where it begins.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket, s3Refusal } from './support/s3.ts';

const B = 'oy1-tag-guard';
const PART = Buffer.alloc(5 << 20, 7);
let c: S3.S3Client;
adminBucket(B, (client) => (c = client));

const deny = (sid: string, condition: object): object => ({ Sid: sid, Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${B}/*`, Condition: condition });

describe('oy 1: an upload’s parts and completion are decided on the tags it was created with', () => {
  before(async () => {
    const Policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [deny('RequireProjectTag', { Null: { 's3:RequestObjectTag/project': 'true' } }), deny('OnlyProjectMl', { StringNotEquals: { 's3:RequestObjectTag/project': 'ml' } }), deny('NoOtherTagKeys', { 'ForAnyValue:StringNotEquals': { 's3:RequestObjectTagKeys': ['project'] } })],
    });
    await c.send(new S3.PutBucketPolicyCommand({ Bucket: B, Policy }));
    await c.send(new S3.PutObjectCommand({ Bucket: B, Key: 'tail', Body: 'the last part, copied', Tagging: 'project=ml' }));
  });

  it('an upload created with project=ml takes its parts, a part copy and its completion (and a retried completion); the object carries the tag', async () => {
    const Key = 'checkpoint.bin';
    const up = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: B, Key, Tagging: 'project=ml' }));
    const p1 = await c.send(new S3.UploadPartCommand({ Bucket: B, Key, UploadId: up.UploadId, PartNumber: 1, Body: PART }));
    const p2 = await c.send(new S3.UploadPartCopyCommand({ Bucket: B, Key, UploadId: up.UploadId, PartNumber: 2, CopySource: `${B}/tail` }));
    const complete = new S3.CompleteMultipartUploadCommand({ Bucket: B, Key, UploadId: up.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.CopyPartResult?.ETag }] } });
    const done = await c.send(complete);
    assert.equal((await c.send(complete)).ETag, done.ETag, 'a retried completion is answered as the first');
    const head = await c.send(new S3.HeadObjectCommand({ Bucket: B, Key }));
    assert.deepEqual([head.ContentLength, head.TagCount], [PART.length + 'the last part, copied'.length, 1]);
    assert.deepEqual((await c.send(new S3.GetObjectTaggingCommand({ Bucket: B, Key }))).TagSet, [{ Key: 'project', Value: 'ml' }]);
  });

  it('an upload begun without the tag, with another value or another key is refused where it begins', async () => {
    for (const Tagging of [undefined, 'project=web', 'project=ml&owner=eve']) {
      const r = await s3Refusal(c.send(new S3.CreateMultipartUploadCommand({ Bucket: B, Key: 'plain.bin', ...(Tagging !== undefined ? { Tagging } : {}) })));
      assert.deepEqual(r.slice(0, 2), ['AccessDenied', 403], String(Tagging));
    }
  });
});
