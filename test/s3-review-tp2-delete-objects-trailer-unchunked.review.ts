/**
 * Review tp, 2, against a real server, requests signed by SDK v3's own signer (`@smithy/signature-v4`): DeleteObjects
 * whose only "digest" is an `x-amz-trailer` announcing a checksum, on a body that is not aws-chunked.
 *
 * What was wrong: DeleteObjects must carry a digest of its key list (API_DeleteObjects: Content-MD5 or an
 * `x-amz-checksum-*` is required; review kf, 5 made the gateway refuse a request without one, "so that a body damaged
 * on its way cannot delete other keys than the client listed"). It counted an `x-amz-trailer: x-amz-checksum-crc32`
 * header as that digest whatever the body was; but a trailer only exists in an aws-chunked body
 * (`x-amz-content-sha256: STREAMING-…-TRAILER`, sigv4-streaming-trailers), and the body reader rightly passes the
 * header over on any other body. So a plain body announcing a trailer it never had was served unchecked, deleting
 * whatever keys it named: the requirement was met by a header naming a checksum no one computed.
 *
 * What is now so: the trailer counts as DeleteObjects' digest only on an aws-chunked body with a trailer (where the
 * body reader checks it); a plain body with `x-amz-trailer` and no Content-MD5 or `x-amz-checksum-*` header is 400
 * InvalidRequest "Missing required header for this request: Content-MD5 OR x-amz-checksum-*", nothing deleted, as one
 * without the header. SDK v3's own DeleteObjects (a checksum header, or a chunked body with its trailer) is served
 * as before.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket, crc32Base64, deleteObjectsSigned, deleteXml, objectExists, putKeys } from './support/s3.ts';
import type { TestServer } from './support/server.ts';

const BUCKET = 'tp2-trailer-digest';
let c: S3.S3Client;
let server: TestServer;
adminBucket(BUCKET, (client, s) => ((c = client), (server = s)));

const deleteObjects = (body: string, headers: Record<string, string>): Promise<{ status: number; text: string }> => deleteObjectsSigned(server, BUCKET, body, headers);
const put = (...keys: string[]): Promise<void> => putKeys(c, BUCKET, ...keys);

describe('tp 2: a trailer announced on a body that has none is no digest of DeleteObjects', () => {
  it('a plain body with x-amz-trailer and no checksum header is InvalidRequest; nothing is deleted', async () => {
    await put('keep-1', 'keep-2');
    for (const declared of ['UNSIGNED-PAYLOAD', undefined]) {
      const body = deleteXml('keep-1', 'keep-2');
      const headers: Record<string, string> = { 'x-amz-trailer': 'x-amz-checksum-crc32' };
      headers['x-amz-content-sha256'] = declared ?? (await import('node:crypto')).createHash('sha256').update(body).digest('hex');
      const r = await deleteObjects(body, headers);
      assert.equal(r.status, 400, r.text);
      assert.match(r.text, /<Code>InvalidRequest<\/Code><Message>Missing required header for this request: Content-MD5 OR x-amz-checksum-\*<\/Message>/);
    }
    assert.deepEqual([await objectExists(c, BUCKET, 'keep-1'), await objectExists(c, BUCKET, 'keep-2')], [true, true]);
  });

  it('SDK v3 DeleteObjects (a checksum header) and an aws-chunked body with its trailer are served as before', async () => {
    await put('chunked', 'sdk');
    const xml = Buffer.from(deleteXml('chunked'));
    const chunked = `${xml.length.toString(16)}\r\n${xml.toString()}\r\n0\r\nx-amz-checksum-crc32:${crc32Base64(xml)}\r\n\r\n`;
    const r = await deleteObjects(chunked, { 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'x-amz-trailer': 'x-amz-checksum-crc32', 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(xml.length) });
    assert.equal(r.status, 200, r.text);
    assert.equal(await objectExists(c, BUCKET, 'chunked'), false);
    const out = await c.send(new S3.DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'sdk' }] } }));
    assert.deepEqual(out.Deleted, [{ Key: 'sdk' }]);
    assert.equal(await objectExists(c, BUCKET, 'sdk'), false);
  });
});
