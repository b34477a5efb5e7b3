/**
 * Review il, 6, against a real server, with requests signed by the SDK's own signer (`@smithy/signature-v4`) in the
 * form SDK v3 uploads with (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`): a trailing header that `x-amz-trailer` did not
 * announce is refused as S3 refuses it, 400 MalformedTrailerError (Swift's s3api functional tests, run against AWS,
 * record it for an extra trailer after the announced checksum).
 *
 * What was wrong: a trailer nobody announced was read and dropped. A client that sent `x-amz-checksum-crc32:<value>`
 * in the trailer without naming it in `x-amz-trailer` had its body stored 200 with the checksum never compared, a
 * wrong one included: told nothing, it took the upload for verified.
 *
 * What is now so: an unannounced trailing header (a checksum or anything else; with no x-amz-trailer at all, or beside
 * the announced one) is MalformedTrailerError, nothing stored. The announced checksum, sent once or repeated (the last
 * counts, as S3), is verified as before; lines after the empty line that ends the trailer are not read (as S3).
 *
 * Before the fix, the first test failed; the second passed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket, crc32Base64, objectExists, putWithTrailer } from './support/s3.ts';
import type { TestServer } from './support/server.ts';

const BUCKET = 'il6-trailers';
const DATA = Buffer.from('evaluation results, run 42');

let c: S3.S3Client;
let server: TestServer;
adminBucket(BUCKET, (client, s) => ((c = client), (server = s)));

/** A PUT of DATA to `key`, aws-chunked, unsigned payload, `announced` in x-amz-trailer (none when undefined); `trailer` follows the final chunk. */
const put = (key: string, announced: string | undefined, trailer: string): Promise<{ status: number; body: string }> => putWithTrailer(server, `/${BUCKET}/${key}`, DATA, trailer, announced);

describe('il 6: a trailing header x-amz-trailer did not announce', () => {
  it('is 400 MalformedTrailerError; nothing is stored', async () => {
    const crc = crc32Base64(DATA);
    for (const [key, announced, trailer] of [
      ['wrong-crc-unannounced', undefined, `x-amz-checksum-crc32:${crc32Base64(Buffer.from('other'))}\r\n\r\n`],
      ['right-crc-unannounced', undefined, `x-amz-checksum-crc32:${crc}\r\n\r\n`],
      ['bonus-beside', 'x-amz-checksum-crc32', `x-amz-checksum-crc32:${crc}\r\nbonus:trailer\r\n\r\n`],
      ['second-checksum', 'x-amz-checksum-crc32', `x-amz-checksum-crc32:${crc}\r\nx-amz-checksum-crc32c:AAAAAA==\r\n\r\n`],
    ] as const) {
      const r = await put(key, announced, trailer);
      assert.equal(r.status, 400, `${key}: ${r.body}`);
      assert.match(r.body, /<Code>MalformedTrailerError<\/Code>/, key);
      assert.equal(await objectExists(c, BUCKET, key), false, `${key} was stored`);
    }
  });

  it('the announced checksum, once or repeated, is verified as before; what follows the trailer is not read', async () => {
    const crc = crc32Base64(DATA);
    for (const [key, trailer] of [
      ['once', `x-amz-checksum-crc32:${crc}\r\n\r\n`],
      ['repeated', `x-amz-checksum-crc32:${crc32Base64(Buffer.from('other'))}\r\nx-amz-checksum-crc32:${crc}\r\n\r\n`],
      ['after-the-end', `x-amz-checksum-crc32:${crc}\r\n\r\nbonus:trailer\r\n`],
    ] as const) {
      const r = await put(key, 'x-amz-checksum-crc32', trailer);
      assert.equal(r.status, 200, `${key}: ${r.body}`);
      assert.equal(await (await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body?.transformToString(), DATA.toString());
    }
    // Without x-amz-trailer and without a trailer: stored.
    assert.equal((await put('no-trailer', undefined, '\r\n')).status, 200);
  });
});
