/**
 * Review nu, 2, against a real server, with requests signed by the SDK's own signer (`@smithy/signature-v4`) in the
 * form SDK v3 uploads with by default (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`, `x-amz-trailer: x-amz-checksum-crc32`),
 * and the real `@aws-sdk/client-s3`: the size of an aws-chunked body's trailer section.
 *
 * The contract: the trailer of sigv4-streaming-trailers.html (S3 API reference) carries the checksum `x-amz-trailer`
 * announced (and, signed, `x-amz-trailer-signature`): a few hundred bytes. STYLE.md, habit 10: "Untrusted input: size
 * limits first". S3 takes the announced checksum repeated, the last one counting (Swift's s3api tests, run against AWS:
 * `test_strm_unsgnd_pyld_trl_bad_then_good_trailer_ok`), which the gateway keeps.
 *
 * What was wrong: each trailer line was bounded (4 KiB) but not their number, trailer bytes count toward no body limit,
 * and each line naming the announced checksum was appended to the text kept for the trailer's signature. So the body's
 * reader held a trailer of any length in memory whole: 20,000 lines (620 KB) were read and the object stored, and a
 * caller allowed to write one object could make the server hold gigabytes per request.
 *
 * What is now so: a trailer section past 16 KiB is 400 MalformedTrailerError, nothing stored. A checksum sent once, or
 * repeated with the last one right (as S3), and SDK v3's own upload are stored as before.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket, crc32Base64, objectExists, putWithTrailer } from './support/s3.ts';
import type { TestServer } from './support/server.ts';

const BUCKET = 'nu2-trailers';
const DATA = Buffer.from('checkpoint shard 3 of 8, sent aws-chunked');
const ANNOUNCED = 'x-amz-checksum-crc32';
const LINE = `${ANNOUNCED}:${crc32Base64(DATA)}\r\n`;

let c: S3.S3Client;
let server: TestServer;
adminBucket(BUCKET, (client, s) => ((c = client), (server = s)));

const put = (key: string, trailer: string): Promise<{ status: number; body: string }> => putWithTrailer(server, `/${BUCKET}/${key}`, DATA, trailer, ANNOUNCED);

describe('nu 2: the trailer section of an aws-chunked body is bounded', () => {
  it('a trailer of 20,000 checksum lines (620 KB), or of 600 (18 KB), is 400 MalformedTrailerError; nothing is stored', async () => {
    for (const [key, lines] of [['long-trailer', 20_000], ['past-16k', 600]] as const) {
      const r = await put(key, `${LINE.repeat(lines)}\r\n`);
      assert.equal(r.status, 400, `${key}: ${r.body}`);
      assert.match(r.body, /<Code>MalformedTrailerError<\/Code>/, key);
      assert.equal(await objectExists(c, BUCKET, key), false, `${key} was stored`);
    }
  });

  it("a checksum once, repeated with the last right (as S3), and SDK v3's own upload are stored as before", async () => {
    const wrong = `${ANNOUNCED}:${crc32Base64(Buffer.from('other bytes'))}\r\n`;
    assert.equal((await put('once', `${LINE}\r\n`)).status, 200);
    assert.equal((await put('bad-then-good', `${wrong}${LINE}\r\n`)).status, 200);
    assert.equal((await put('good-then-bad', `${LINE}${wrong}\r\n`)).status, 400);
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'sdk', Body: DATA, ChecksumAlgorithm: 'CRC32' }));
    for (const key of ['once', 'bad-then-good', 'sdk']) {
      const got = await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: 'ENABLED' }));
      assert.equal(got.ChecksumCRC32, crc32Base64(DATA), key);
      assert.equal(await got.Body?.transformToString(), DATA.toString(), key);
    }
  });
});
