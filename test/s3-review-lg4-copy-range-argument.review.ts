/**
 * Review lg, 4, against a real server with `@aws-sdk/client-s3`: UploadPartCopy with an `x-amz-copy-source-range`
 * that is not `bytes=first-last`.
 *
 * What was wrong: the refusal (InvalidArgument, S3's message) did not say which header was wrong nor what it carried;
 * S3's error document names both, `<ArgumentName>x-amz-copy-source-range</ArgumentName>` and `<ArgumentValue>` (as
 * quoted in gaul/s3proxy#304 from AWS), which is what a user of a tool that built the range (`bytes=5-`, `0-1024`, an
 * empty value) needs to see.
 *
 * What is now so: the error carries ArgumentName and ArgumentValue, the value as sent (an empty one too, which S3
 * refuses the same way, minio/minio#14246); no part is stored.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket } from './support/s3.ts';

const BUCKET = 'lg4-copy-range';
let c: S3.S3Client;
adminBucket(BUCKET, (client) => (c = client));

describe('lg 4: a malformed x-amz-copy-source-range names itself', () => {
  it('InvalidArgument with ArgumentName and ArgumentValue, nothing stored', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'src', Body: 'hello world' }));
    const { UploadId } = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'dst' }));
    for (const range of ['bytes=5-', '0-4', 'bytes=0-1,3-4', '']) {
      const err = await c.send(new S3.UploadPartCopyCommand({ Bucket: BUCKET, Key: 'dst', UploadId, PartNumber: 1, CopySource: `${BUCKET}/src`, CopySourceRange: range })).then(
        () => assert.fail(`range \`${range}\` was taken`),
        (e: unknown) => e as S3.S3ServiceException & Record<string, unknown>,
      );
      {
        assert.equal(err.$metadata?.httpStatusCode, 400, `${range}: ${err.message}`);
        assert.deepEqual(
          { name: err.name, message: err.message, ArgumentName: err['ArgumentName'], ArgumentValue: err['ArgumentValue'] ?? '' },
          {
            name: 'InvalidArgument',
            message: 'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy',
            ArgumentName: 'x-amz-copy-source-range',
            ArgumentValue: range,
          },
          `range \`${range}\``,
        );
      }
    }
    const parts = await c.send(new S3.ListPartsCommand({ Bucket: BUCKET, Key: 'dst', UploadId }));
    assert.deepEqual(parts.Parts ?? [], []);
  });
});
