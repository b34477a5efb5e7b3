/**
 * Review qj, 4, against a real server, the request signed by the SDK's own SigV4 signer (`@smithy/signature-v4`,
 * test/support/s3.ts `putWithTrailer`): an `aws-chunked` body whose decoded length is not its
 * `x-amz-decoded-content-length`.
 *
 * What was wrong: the refusal (400 IncompleteBody) put the two numbers in its message only, "… Content-Length HTTP
 * header (declared 3, received 5)". S3's document gives S3's message alone and the numbers as elements of their own,
 * `<NumberBytesExpected>3</NumberBytesExpected><NumberBytesProvided>5</NumberBytesProvided>` (versity/versitygw#1684
 * quotes it for a decoded length below the body's), which is what a client reads to tell a short body from a wrong
 * header; here it found neither.
 *
 * What is now so: IncompleteBody for a body longer or shorter than declared carries S3's message and the two elements;
 * nothing is stored.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import type { TestServer } from './support/server.ts';
import { adminBucket, crc32Base64, objectExists, putWithTrailer } from './support/s3.ts';

const BUCKET = 'qj4-decoded-length';
let c: S3.S3Client;
let server: TestServer;
adminBucket(BUCKET, (client, s) => {
  c = client;
  server = s;
});

const element = (xml: string, name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

describe('qj 4: a decoded length that is not the body\'s is refused with NumberBytesExpected and NumberBytesProvided', () => {
  it('declared 3 or 9 for a body of 5: IncompleteBody with S3\'s message and both numbers; nothing stored', async () => {
    const data = Buffer.from('hello');
    const trailer = `x-amz-checksum-crc32:${crc32Base64(data)}\r\n\r\n`;
    for (const declared of ['3', '9']) {
      const key = `declared-${declared}`;
      const r = await putWithTrailer(server, `/${BUCKET}/${key}`, data, trailer, 'x-amz-checksum-crc32', { 'x-amz-decoded-content-length': declared });
      assert.equal(r.status, 400, declared);
      assert.equal(element(r.body, 'Code'), 'IncompleteBody', declared);
      assert.equal(element(r.body, 'Message'), 'You did not provide the number of bytes specified by the Content-Length HTTP header', declared);
      assert.equal(element(r.body, 'NumberBytesExpected'), declared);
      assert.equal(element(r.body, 'NumberBytesProvided'), '5', declared);
      assert.equal(await objectExists(c, BUCKET, key), false, declared);
    }
  });
});
