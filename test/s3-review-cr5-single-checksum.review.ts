/**
 * Review cr, 5, against a real server with the real `@aws-sdk/client-s3`: a body carries one `x-amz-checksum-*`, as
 * S3 takes it.
 *
 * What was wrong: of several checksums sent with a body (two headers, or a header and an aws-chunked trailer), the
 * gateway checked one — the last of CRC32, CRC32C, SHA-1, SHA-256 present, or the trailer's over any header — and
 * ignored the others: a PutObject with a wrong CRC32 and a right SHA-256 was stored as if checked, and the client that
 * computed the CRC32 over what it meant to send was told its upload was good. S3 refuses such a request: 400
 * InvalidRequest "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed." (versitygw, which
 * matches S3's errors, answers it the same for PutObject and UploadPart).
 *
 * What is now so: a PutObject or UploadPart with more than one checksum (CRC64NVME's counted) is refused with S3's
 * answer before its body is read; nothing is stored.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from './support/server.ts';
import { adminS3Client, objectExists, s3Refusal } from './support/s3.ts';

let server: TestServer;
let c: S3.S3Client;
const B = 'cr5-single-checksum';
const BODY = 'checkpoint bytes';

before(async () => {
  server = await startTestServer();
  c = adminS3Client(server);
  await c.send(new S3.CreateBucketCommand({ Bucket: B }));
});

after(async () => {
  c?.destroy();
  await server?.stop();
});

/**
 * `command` with `name: value` added to its (signed) headers once the SDK has added its own checksum (it adds none when
 * it finds one already there).
 */
function withHeader<C extends S3.PutObjectCommand | S3.UploadPartCommand>(command: C, name: string, value: string): C {
  type Stack = S3.PutObjectCommand['middlewareStack'];
  const middleware = ((next: (args: { request: unknown }) => Promise<unknown>) => async (args: { request: unknown }) => {
    (args.request as { headers: Record<string, string> }).headers[name] = value;
    return next(args);
  }) as unknown as Parameters<Stack['addRelativeTo']>[0];
  (command.middlewareStack as unknown as Stack).addRelativeTo(middleware, { relation: 'after', toMiddleware: 'flexibleChecksumsMiddleware', name: 'extraChecksum' });
  return command;
}

const refusal = s3Refusal;

const SINGLE: [string, number, string] = ['InvalidRequest', 400, 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.'];

const exists = (key: string): Promise<boolean> => objectExists(c, B, key);

describe('one checksum a body', () => {
  it('PutObject with a wrong CRC32 header beside a right SHA-256: refused, nothing stored', async () => {
    const put = withHeader(new S3.PutObjectCommand({ Bucket: B, Key: 'two-headers', Body: BODY, ChecksumAlgorithm: 'SHA256' }), 'x-amz-checksum-crc32', 'AAAAAA==');
    assert.deepEqual(await refusal(c.send(put)), SINGLE);
    assert.equal(await exists('two-headers'), false);
  });

  it('PutObject with a checksum header and a trailing checksum (a stream): refused', async () => {
    const put = withHeader(new S3.PutObjectCommand({ Bucket: B, Key: 'header-and-trailer', Body: Readable.from([Buffer.from(BODY)]), ContentLength: BODY.length }), 'x-amz-checksum-sha1', 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=');
    assert.deepEqual(await refusal(c.send(put)), SINGLE);
    assert.equal(await exists('header-and-trailer'), false);
  });

  it('UploadPart with a CRC64NVME header beside the CRC32: refused; one checksum is served as before', async () => {
    const u = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: B, Key: 'parts' }));
    const part = withHeader(new S3.UploadPartCommand({ Bucket: B, Key: 'parts', UploadId: u.UploadId, PartNumber: 1, Body: BODY }), 'x-amz-checksum-crc64nvme', 'AAAAAAAAAAA=');
    assert.deepEqual(await refusal(c.send(part)), SINGLE);
    const ok = await c.send(new S3.UploadPartCommand({ Bucket: B, Key: 'parts', UploadId: u.UploadId, PartNumber: 1, Body: BODY }));
    assert.ok(ok.ETag);
    const put = await c.send(new S3.PutObjectCommand({ Bucket: B, Key: 'one', Body: BODY, ChecksumAlgorithm: 'CRC32C' }));
    assert.ok(put.ChecksumCRC32C);
  });
});
