/**
 * Review ju, 1, against a real server: a SigV2-signed S3 request carrying an `x-amz-*` header on several lines.
 *
 * What was wrong: review jo, 2 handed the SigV4 verifier every value of a repeated header (joined with `,`), but the
 * gateway's SigV2 path still read Node's `req.headers`, which joins a repeated `x-amz-*` header with `, `. SigV2's
 * string to sign joins the values with `,` and no space: S3's own example (RESTAuthentication, "Upload", two
 * `X-Amz-Meta-ReviewedBy` lines signed as `x-amz-meta-reviewedby:joe@johnsmith.net,jane@johnsmith.net`), and
 * botocore's `HmacV1Auth.canonical_custom_headers` (`','.join(…get_all(key))`). So that request, well signed, was
 * refused SignatureDoesNotMatch, and one signed over Node's `, `-joined text, which no signer writes, was accepted.
 *
 * What is now so: the SigV2 path reads the headers as the SigV4 one does (`nodeRequestHeaders`). Raw requests signed
 * here with HMAC-SHA1 as S3's SigV2 specifies, sent with the header on two lines.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket, putSigV2 } from './support/s3.ts';
import type { TestServer } from './support/server.ts';

const BUCKET = 'ju1-sigv2-repeated';
let c: S3.S3Client;
let server: TestServer;
adminBucket(BUCKET, (client, s) => ((c = client), (server = s)));

/**
 * PUTs `body` to `key` with `headers` (name, value pairs, a name as often as given, on as many lines), signed with
 * SigV2 over `amzLines` (the canonical `x-amz-*` lines, as the test writes them).
 */
const putV2 = (key: string, body: string, headers: readonly (readonly [string, string])[], amzLines: string): Promise<{ status: number; text: string }> =>
  putSigV2(server, BUCKET, key, body, { type: 'text/plain', amzLines }, [['Content-Type', 'text/plain'], ...headers]);

const REVIEWERS = [
  ['X-Amz-Meta-ReviewedBy', 'joe@johnsmith.net'],
  ['X-Amz-Meta-ReviewedBy', 'jane@johnsmith.net'],
  ['X-Amz-Meta-FileChecksum', '0x02661779'],
] as const;

describe('ju 1: SigV2 signs a repeated x-amz-* header as its values joined with `,`', () => {
  it("S3's own example: two X-Amz-Meta-ReviewedBy lines signed as `joe@…,jane@…` are accepted and stored", async () => {
    const r = await putV2('db-backup.dat', 'backup', REVIEWERS, 'x-amz-meta-filechecksum:0x02661779\nx-amz-meta-reviewedby:joe@johnsmith.net,jane@johnsmith.net\n');
    assert.equal(r.status, 200, r.text);
    const head = await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'db-backup.dat' }));
    assert.equal(head.ContentLength, 6);
    assert.equal(head.Metadata?.['filechecksum'], '0x02661779');
    assert.match(head.Metadata?.['reviewedby'] ?? '', /^joe@johnsmith\.net, ?jane@johnsmith\.net$/);
  });

  it('the same request signed over `joe@…, jane@…` (a join no signer writes) is refused SignatureDoesNotMatch', async () => {
    const r = await putV2('forged.dat', 'forged', REVIEWERS, 'x-amz-meta-filechecksum:0x02661779\nx-amz-meta-reviewedby:joe@johnsmith.net, jane@johnsmith.net\n');
    assert.equal(r.status, 403, r.text);
    assert.match(r.text, /<Code>SignatureDoesNotMatch<\/Code>/);
    assert.equal(await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'forged.dat' })).then(() => true, () => false), false);
  });

  it('a header sent once is signed and verified as before', async () => {
    const r = await putV2('once.dat', 'once', [['X-Amz-Meta-ReviewedBy', 'joe@johnsmith.net']], 'x-amz-meta-reviewedby:joe@johnsmith.net\n');
    assert.equal(r.status, 200, r.text);
  });
});
