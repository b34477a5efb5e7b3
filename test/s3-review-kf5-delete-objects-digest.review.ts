/**
 * Review kf, 5, against a real server with the real `@aws-sdk/client-s3` and requests signed by the SDK's own signer
 * (`@smithy/signature-v4`): DeleteObjects needs its body's digest, as S3 requires it (API_DeleteObjects: "The
 * Content-MD5 or x-amz-sdk-checksum-algorithm header is required for all Multi-Object Delete requests").
 *
 * What was wrong: a DeleteObjects with neither Content-MD5 nor an `x-amz-checksum-*` was served, deleting whatever keys
 * its unchecked body named. S3 refuses it 400 InvalidRequest "Missing required header for this request: Content-MD5 OR
 * x-amz-checksum-*", so that a body damaged on its way cannot delete other keys than the client listed; a client
 * (an older SDK, a hand-rolled signer, `WHEN_REQUIRED` misread) that worked here failed on S3, and nothing checked the
 * list of keys it was about to delete.
 *
 * What is now so: without either, 400 InvalidRequest with S3's message, nothing deleted; with Content-MD5, an
 * `x-amz-checksum-*` header or one announced in `x-amz-trailer`, served and checked as before (a wrong one is
 * BadDigest). SDK v3 sends one by default and with `requestChecksumCalculation: 'WHEN_REQUIRED'`.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket, crc32Base64, deleteObjectsSigned, deleteXml, objectExists, putKeys } from './support/s3.ts';
import type { TestServer } from './support/server.ts';

const BUCKET = 'kf5-multi-delete';
let c: S3.S3Client;
let server: TestServer;
adminBucket(BUCKET, (client, s) => ((c = client), (server = s)));

const deleteObjects = (body: string, headers: Record<string, string>): Promise<{ status: number; text: string }> => deleteObjectsSigned(server, BUCKET, body, headers);
const put = (...keys: string[]): Promise<void> => putKeys(c, BUCKET, ...keys);

describe('kf 5: DeleteObjects without a digest of its body', () => {
  it('is 400 InvalidRequest with S3 message; nothing is deleted', async () => {
    await put('keep-1', 'keep-2');
    const r = await deleteObjects(deleteXml('keep-1', 'keep-2'), {});
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, /<Code>InvalidRequest<\/Code><Message>Missing required header for this request: Content-MD5 OR x-amz-checksum-\*<\/Message>/);
    assert.deepEqual([await objectExists(c, BUCKET, 'keep-1'), await objectExists(c, BUCKET, 'keep-2')], [true, true]);
  });

  it('with Content-MD5 or an x-amz-checksum-* it is served as before; a wrong one is BadDigest; SDK v3 sends one', async () => {
    await put('md5', 'crc', 'wrong');
    let body = deleteXml('md5');
    let r = await deleteObjects(body, { 'content-md5': createHash('md5').update(body).digest('base64') });
    assert.equal(r.status, 200, r.text);
    body = deleteXml('crc');
    r = await deleteObjects(body, { 'x-amz-checksum-crc32': crc32Base64(Buffer.from(body)), 'x-amz-sdk-checksum-algorithm': 'CRC32' });
    assert.equal(r.status, 200, r.text);
    r = await deleteObjects(deleteXml('wrong'), { 'content-md5': createHash('md5').update('other').digest('base64') });
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, /<Code>BadDigest<\/Code>/);
    assert.deepEqual([await objectExists(c, BUCKET, 'md5'), await objectExists(c, BUCKET, 'crc'), await objectExists(c, BUCKET, 'wrong')], [false, false, true]);
    // SDK v3, by default and asked to send checksums only where required.
    for (const requestChecksumCalculation of ['WHEN_SUPPORTED', 'WHEN_REQUIRED'] as const) {
      const sdk = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1, requestChecksumCalculation });
      try {
        await put('sdk');
        const out = await sdk.send(new S3.DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'sdk' }] } }));
        assert.deepEqual(out.Deleted, [{ Key: 'sdk' }], requestChecksumCalculation);
        assert.equal(await objectExists(c, BUCKET, 'sdk'), false);
      } finally {
        sdk.destroy();
      }
    }
  });
});
