/**
 * Review oh, 1, against a real server: a SigV2 request signed in its Authorization header is signed with the
 * Content-Type it carries, and no other.
 *
 * The contract: S3's SigV2 (RESTAuthentication, "Authentication header"): StringToSign is `HTTP-Verb \n Content-MD5 \n
 * Content-Type \n Date \n CanonicalizedAmzHeaders CanonicalizedResource`, the Content-Type being the request's own
 * header ("Content-Type and Content-MD5 … if not present in the request, substitute an empty string"). botocore's
 * `HmacV1Auth` signs the header it sends. So a header-signed request whose Content-Type is not the one signed is
 * SignatureDoesNotMatch, and S3 stores the Content-Type of a PUT it accepted: the one its signer chose.
 *
 * What was wrong: the SigV2 verifier tried the empty Content-Type beside the one sent, for every request. That
 * leniency is meant for presigned URLs (query authentication, signed without the type an HTTP library may add), but
 * it applied to header-signed requests too: a PUT signed with no Content-Type, captured and replayed within its
 * 15 minutes with `Content-Type: text/html`, was accepted and stored the object as text/html (served back so to
 * browsers), a header its signer never signed.
 *
 * What is now so: a header-signed request is verified over the Content-Type it carries only; a presigned URL keeps
 * its leniency.
 *
 * Before the fix 1 of 3 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket, putSigV2 } from './support/s3.ts';
import type { TestServer } from './support/server.ts';

const BUCKET = 'oh1-sigv2-content-type';
let c: S3.S3Client;
let server: TestServer;
adminBucket(BUCKET, (client, s) => ((c = client), (server = s)));

/** PUTs `body` to `key` signed (header SigV2) with `signedType` as its Content-Type, sent with `sentType` (none when undefined). */
const putV2 = (key: string, body: string, signedType: string, sentType: string | undefined): Promise<{ status: number; text: string }> =>
  putSigV2(server, BUCKET, key, body, { type: signedType }, sentType === undefined ? [] : [['Content-Type', sentType]]);

const stored = (key: string): Promise<string | undefined> => c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: key })).then((h) => h.ContentType ?? '', () => undefined);

describe('oh 1: a header-signed SigV2 request is verified over the Content-Type it carries', () => {
  it('signed without a Content-Type, sent with `text/html`: SignatureDoesNotMatch, nothing stored', async () => {
    const r = await putV2('page', '<script>alert(1)</script>', '', 'text/html');
    assert.equal(r.status, 403, r.text);
    assert.match(r.text, /<Code>SignatureDoesNotMatch<\/Code>/);
    assert.equal(await stored('page'), undefined);
  });

  it('signed and sent without a Content-Type: accepted', async () => {
    const r = await putV2('plain', 'no type', '', undefined);
    assert.equal(r.status, 200, r.text);
    assert.notEqual(await stored('plain'), undefined);
  });

  it('signed and sent with `text/plain`: accepted and stored with it; sent with another type: refused', async () => {
    const r = await putV2('typed', 'typed', 'text/plain', 'text/plain');
    assert.equal(r.status, 200, r.text);
    assert.equal(await stored('typed'), 'text/plain');
    const other = await putV2('typed2', 'typed', 'text/plain', 'text/html');
    assert.equal(other.status, 403, other.text);
  });
});
