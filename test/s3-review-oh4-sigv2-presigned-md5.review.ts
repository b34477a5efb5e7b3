/**
 * Review oh, 4, against a real server: a SigV2 presigned PUT signed with a Content-MD5 stores that content only.
 *
 * The contract: S3's SigV2 query authentication (RESTAuthentication, "Query string request authentication
 * alternative") signs `HTTP-Verb \n Content-MD5 \n Content-Type \n Expires \n …`, the Content-MD5 being the request's
 * own header; and S3 checks a body against the Content-MD5 it carries (API_PutObject, `BadDigest`). A URL presigned
 * with a Content-MD5 thus uploads that one content, which is what an app that hands out such a URL relies on. botocore
 * (`HmacV1QueryAuth`) copies the signed Content-MD5 into the query as `content-md5` (docs/decisions.md, review hx, 3:
 * "botocore's copies of headers the signature covers").
 *
 * What was wrong: the SigV2 verifier took the query's `content-md5` as the signed MD5 when the request sent no
 * Content-MD5 header, but the body was checked against the header only: the holder of a URL presigned for one file's
 * MD5 sent it without the header, with any body, and the gateway stored it.
 *
 * What is now so: a SigV2 presigned request's `content-md5` parameter, when no Content-MD5 header is sent, is the
 * body's check as that header would be (400 BadDigest on another body); the content it was signed for is stored.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket } from './support/s3.ts';
import type { TestServer } from './support/server.ts';

const BUCKET = 'oh4-presigned-md5';
let c: S3.S3Client;
let server: TestServer;
adminBucket(BUCKET, (client, s) => ((c = client), (server = s)));

/** A SigV2 URL presigned for a PUT of `key` whose Content-MD5 is that of `content`, the MD5 copied into the query as botocore does. */
function presign(key: string, content: string): string {
  const expires = Math.floor(Date.now() / 1000) + 300;
  const md5 = createHash('md5').update(content).digest('base64');
  const signature = createHmac('sha1', server.admin.secretAccessKey).update(`PUT\n${md5}\n\n${expires}\n/${BUCKET}/${key}`, 'utf8').digest('base64');
  return `${server.running.s3Url}/${BUCKET}/${key}?AWSAccessKeyId=${encodeURIComponent(server.admin.accessKeyId)}&Signature=${encodeURIComponent(signature)}&Expires=${expires}&content-md5=${encodeURIComponent(md5)}`;
}

const stored = (key: string): Promise<string | undefined> => c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: key })).then((g) => g.Body!.transformToString(), () => undefined);

describe('oh 4: a SigV2 presigned PUT signed with a Content-MD5 stores that content only', () => {
  it('another body, sent without the Content-MD5 header: 400 BadDigest, nothing stored', async () => {
    const r = await fetch(presign('report.pdf', 'the approved report'), { method: 'PUT', body: 'something else entirely' });
    const text = await r.text();
    assert.equal(r.status, 400, text);
    assert.match(text, /<Code>BadDigest<\/Code>/);
    assert.equal(await stored('report.pdf'), undefined);
  });

  it('the body it was signed for is stored, with or without the header', async () => {
    const r = await fetch(presign('a.txt', 'the approved report'), { method: 'PUT', body: 'the approved report' });
    assert.equal(r.status, 200, await r.text());
    assert.equal(await stored('a.txt'), 'the approved report');
    const md5 = createHash('md5').update('the approved report').digest('base64');
    const h = await fetch(presign('b.txt', 'the approved report'), { method: 'PUT', body: 'the approved report', headers: { 'Content-MD5': md5 } });
    assert.equal(h.status, 200, await h.text());
  });
});
