/**
 * Review lg, 1, against a real server with `@aws-sdk/client-s3`: a CopyObject with an `x-amz-tagging-directive` that
 * is neither COPY nor REPLACE is refused with S3's error for it.
 *
 * What was wrong: a bad tagging directive was refused with "Unknown metadata directive.", the message of the other
 * header, so a user who sent a good metadata directive was told to fix it; S3 answers InvalidArgument "Unknown
 * tagging directive." (API_CopyObject, TaggingDirective: COPY | REPLACE). Neither refusal said which header was wrong
 * nor what it carried.
 *
 * What is now so: each directive has its own message, and the error carries `<ArgumentName>` (the header) and
 * `<ArgumentValue>` (what was sent), as S3's InvalidArgument errors do; nothing is copied.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket, objectExists } from './support/s3.ts';

const BUCKET = 'lg1-directives';
let c: S3.S3Client;
adminBucket(BUCKET, (client) => (c = client));

/** The refusal of `p`, with the extra elements of its error document the SDK keeps on the exception. */
async function refusal(p: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await p;
  } catch (e) {
    const err = e as S3.S3ServiceException & Record<string, unknown>;
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message, ArgumentName: err['ArgumentName'], ArgumentValue: err['ArgumentValue'] };
  }
  return assert.fail('expected the copy to be refused');
}

describe('lg 1: an unknown copy directive names its own header', () => {
  it('a bad x-amz-tagging-directive is "Unknown tagging directive." naming the header and its value', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'src', Body: 'x' }));
    const r = await refusal(c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'dst', CopySource: `${BUCKET}/src`, MetadataDirective: 'REPLACE', TaggingDirective: 'MERGE' as S3.TaggingDirective })));
    assert.deepEqual(r, { name: 'InvalidArgument', status: 400, message: 'Unknown tagging directive.', ArgumentName: 'x-amz-tagging-directive', ArgumentValue: 'MERGE' });
    assert.equal(await objectExists(c, BUCKET, 'dst'), false);
  });

  it('a bad x-amz-metadata-directive is "Unknown metadata directive." naming the header and its value', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'src2', Body: 'x' }));
    const r = await refusal(c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'dst2', CopySource: `${BUCKET}/src2`, MetadataDirective: 'KEEP' as S3.MetadataDirective, TaggingDirective: 'MERGE' as S3.TaggingDirective })));
    assert.deepEqual(r, { name: 'InvalidArgument', status: 400, message: 'Unknown metadata directive.', ArgumentName: 'x-amz-metadata-directive', ArgumentValue: 'KEEP' });
    assert.equal(await objectExists(c, BUCKET, 'dst2'), false);
  });
});
