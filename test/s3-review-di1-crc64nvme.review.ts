/**
 * Review di, 1, against a real server with the real `@aws-sdk/client-s3`: CRC64NVME, S3's default checksum since
 * December 2024 and the one SDKs offer for whole-object integrity, is checked, kept and answered as S3 does.
 *
 * What was wrong: `x-amz-checksum-crc64nvme` (a header, or the aws-chunked trailer a streamed body carries) was
 * accepted unchecked and dropped. A PutObject whose CRC64NVME did not match its bytes was stored and answered 200,
 * so a client that computed it over what it meant to send was told its upload was good; and a GetObject with
 * `x-amz-checksum-mode: ENABLED` answered no CRC64NVME, so the SDK checked nothing of what it read.
 *
 * What is now so (User Guide, "Checking object integrity"; API_PutObject): a CRC64NVME in a header or in the trailer
 * is computed over the body (the SDK's own CRC-64/NVME, `@aws-sdk/checksums`) and checked; a wrong one is 400
 * BadDigest "The CRC64NVME you specified did not match the calculated checksum.", a malformed one 400 InvalidRequest
 * "Value for x-amz-checksum-crc64nvme header is invalid.", and nothing is stored. The right one is kept with the
 * object and answered by PutObject and, in checksum mode, by GetObject and HeadObject (`x-amz-checksum-type:
 * FULL_OBJECT`), and a copy keeps it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from './support/server.ts';
import { adminS3Client, objectExists, s3Refusal } from './support/s3.ts';

let server: TestServer;
let c: S3.S3Client;
const B = 'di1-crc64nvme';
// CRC-64/NVME check value of "123456789" (the CRC catalogue's `check`): 0xAE8B14860A799888.
const BODY = Buffer.from('123456789');
const CRC64 = Buffer.from('ae8b14860a799888', 'hex').toString('base64');

before(async () => {
  server = await startTestServer();
  c = adminS3Client(server);
  await c.send(new S3.CreateBucketCommand({ Bucket: B }));
});

after(async () => {
  c?.destroy();
  await server?.stop();
});

const refusal = s3Refusal;

const exists = (key: string): Promise<boolean> => objectExists(c, B, key);

describe('CRC64NVME', () => {
  it('computed by the SDK (header, and trailer for a stream): kept and answered', async () => {
    const put = await c.send(new S3.PutObjectCommand({ Bucket: B, Key: 'header', Body: BODY, ChecksumAlgorithm: 'CRC64NVME' }));
    assert.deepEqual([put.ChecksumCRC64NVME, put.ChecksumType], [CRC64, 'FULL_OBJECT']);
    const streamed = await c.send(new S3.PutObjectCommand({ Bucket: B, Key: 'trailer', Body: Readable.from([BODY]), ContentLength: BODY.length, ChecksumAlgorithm: 'CRC64NVME' }));
    assert.deepEqual([streamed.ChecksumCRC64NVME, streamed.ChecksumType], [CRC64, 'FULL_OBJECT']);
    const got = await c.send(new S3.GetObjectCommand({ Bucket: B, Key: 'trailer', ChecksumMode: 'ENABLED' }));
    assert.deepEqual([got.ChecksumCRC64NVME, got.ChecksumType], [CRC64, 'FULL_OBJECT']);
    assert.equal(await got.Body?.transformToString(), '123456789');
    const head = await c.send(new S3.HeadObjectCommand({ Bucket: B, Key: 'header', ChecksumMode: 'ENABLED' }));
    assert.equal(head.ChecksumCRC64NVME, CRC64);
    const copy = await c.send(new S3.CopyObjectCommand({ Bucket: B, Key: 'copy', CopySource: `${B}/header` }));
    assert.equal(copy.CopyObjectResult?.ChecksumCRC64NVME, CRC64);
  });

  it('a precalculated value that is right is taken', async () => {
    const put = await c.send(new S3.PutObjectCommand({ Bucket: B, Key: 'given', Body: BODY, ChecksumCRC64NVME: CRC64 }));
    assert.equal(put.ChecksumCRC64NVME, CRC64);
  });

  it('a wrong one is BadDigest and a malformed one InvalidRequest, as S3 answers; nothing is stored', async () => {
    const wrong = Buffer.from('0000000000000001', 'hex').toString('base64');
    assert.deepEqual(await refusal(c.send(new S3.PutObjectCommand({ Bucket: B, Key: 'wrong', Body: BODY, ChecksumCRC64NVME: wrong }))), ['BadDigest', 400, 'The CRC64NVME you specified did not match the calculated checksum.']);
    assert.equal(await exists('wrong'), false);
    assert.deepEqual(await refusal(c.send(new S3.PutObjectCommand({ Bucket: B, Key: 'malformed', Body: BODY, ChecksumCRC64NVME: 'AAAAAA==' }))), ['InvalidRequest', 400, 'Value for x-amz-checksum-crc64nvme header is invalid.']);
    assert.equal(await exists('malformed'), false);
  });

  it('a wrong trailing CRC64NVME is BadDigest; nothing is stored', async () => {
    const put = new S3.PutObjectCommand({ Bucket: B, Key: 'bad-trailer', Body: Readable.from([BODY]), ContentLength: BODY.length, ChecksumAlgorithm: 'CRC64NVME' });
    // The body changed after the SDK has hashed it: the trailer names the bytes the client meant to send.
    type Stack = S3.PutObjectCommand['middlewareStack'];
    const tamper = ((next: (args: { request: unknown }) => Promise<unknown>) => async (args: { request: unknown }) => {
      const request = args.request as { body: Readable };
      const original = request.body;
      request.body = Readable.from(
        (async function* () {
          for await (const chunk of original) yield Buffer.from(String(chunk).replace('123456789', '123456780'));
        })(),
      );
      return next(args);
    }) as unknown as Parameters<Stack['addRelativeTo']>[0];
    (put.middlewareStack as unknown as Stack).addRelativeTo(tamper, { relation: 'after', toMiddleware: 'flexibleChecksumsMiddleware', name: 'tamper' });
    assert.deepEqual(await refusal(c.send(put)), ['BadDigest', 400, 'The CRC64NVME you specified did not match the calculated checksum.']);
    assert.equal(await exists('bad-trailer'), false);
  });

  it('x-amz-sdk-checksum-algorithm naming another algorithm than the checksum sent: InvalidRequest, as S3', async () => {
    const put = new S3.PutObjectCommand({ Bucket: B, Key: 'sdk-mismatch', Body: BODY, ChecksumCRC64NVME: CRC64 });
    type Stack = S3.PutObjectCommand['middlewareStack'];
    const header = ((next: (args: { request: unknown }) => Promise<unknown>) => async (args: { request: unknown }) => {
      (args.request as { headers: Record<string, string> }).headers['x-amz-sdk-checksum-algorithm'] = 'CRC32';
      return next(args);
    }) as unknown as Parameters<Stack['addRelativeTo']>[0];
    (put.middlewareStack as unknown as Stack).addRelativeTo(header, { relation: 'after', toMiddleware: 'flexibleChecksumsMiddleware', name: 'sdkAlgorithm' });
    assert.deepEqual(await refusal(c.send(put)), ['InvalidRequest', 400, 'Value for x-amz-sdk-checksum-algorithm header is invalid.']);
    assert.equal(await exists('sdk-mismatch'), false);
  });
});
