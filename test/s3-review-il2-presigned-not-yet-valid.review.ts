/**
 * Review il, 2, against a real server with the real `@aws-sdk/s3-request-presigner`: a presigned URL whose
 * `X-Amz-Date` is still ahead of the gateway's clock (past the 15 minutes of skew it allows) is refused as S3 refuses
 * it, 403 AccessDenied "Request is not yet valid", the presigned counterpart of "Request has expired".
 *
 * What was wrong: it was answered 403 RequestTimeTooSkewed "Signature not yet current: …", the answer to a request
 * signed in its Authorization header. RequestTimeTooSkewed is the code SDKs read as "correct your clock and sign
 * again"; a presigned URL is not re-signed by whoever holds it (a browser, curl, a download manager, a job given the
 * URL), and S3 answers such a URL AccessDenied "Request is not yet valid" (minio/minio#2638 and dmjio/s3-signer#16
 * show S3's document). Tools that tell an expired or early link from a refused one by S3's message did not recognise it.
 *
 * What is now so: presigned, AccessDenied "Request is not yet valid" with S3's `ServerTime`; within the 15 minutes the
 * URL is served as before; a header-signed request from a clock 20 minutes ahead stays RequestTimeTooSkewed.
 *
 * Before the fix, the first test failed; the second passed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { adminBucket, s3Refusal } from './support/s3.ts';
import type { TestServer } from './support/server.ts';

const BUCKET = 'il2-early-links';
const KEY = 'report.pdf';

let c: S3.S3Client;
let server: TestServer;
adminBucket(BUCKET, (client, s) => ((c = client), (server = s)));

const presignedAt = (signingDate: Date, expiresIn = 3600): Promise<string> => getSignedUrl(c, new S3.GetObjectCommand({ Bucket: BUCKET, Key: KEY }), { expiresIn, signingDate });

describe('il 2: a presigned URL that is not yet valid', () => {
  it('is 403 AccessDenied "Request is not yet valid", not RequestTimeTooSkewed', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: 'quarterly figures' }));
    const r = await fetch(await presignedAt(new Date(Date.now() + 2 * 3600_000)));
    const body = await r.text();
    assert.equal(r.status, 403);
    assert.match(body, /<Code>AccessDenied<\/Code><Message>Request is not yet valid<\/Message>/);
    assert.match(body, /<ServerTime>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ<\/ServerTime>/);
  });

  it('within the allowed skew the URL is served; a header-signed request from a fast clock stays RequestTimeTooSkewed', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: 'quarterly figures' }));
    const early = await fetch(await presignedAt(new Date(Date.now() + 5 * 60_000)));
    assert.deepEqual([early.status, await early.text()], [200, 'quarterly figures']);

    // The SDK's clock 20 minutes ahead (one attempt: it would correct the clock from the answer and sign again).
    const ahead = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1, systemClockOffset: 20 * 60_000 });
    const [code, status] = await s3Refusal(ahead.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: KEY })));
    ahead.destroy();
    assert.equal(status, 403);
    assert.equal(code, 'RequestTimeTooSkewed');
  });
});
