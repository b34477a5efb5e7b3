/**
 * Review kf, 3, against a real server with the real `@aws-sdk/s3-request-presigner`: a presigned URL used after it
 * expired is refused with S3's whole error document, which says when it expired and what time the server has.
 *
 * What was wrong: 403 AccessDenied "Request has expired" came with no more. S3's document carries `<X-Amz-Expires>`
 * (SigV4: the lifetime the URL was signed with), `<Expires>` (when it expired) and `<ServerTime>` (the server's clock),
 * which is how whoever holds a refused link tells a link that expired from a clock that is wrong, and by how much;
 * the gateway already gave `ServerTime` for a URL not yet valid (review il, 2), not for an expired one.
 *
 * What is now so: an expired SigV4 URL's document has X-Amz-Expires, Expires (X-Amz-Date + X-Amz-Expires) and
 * ServerTime, in that order after the Message, the times in ISO 8601 to the second (`2026-01-02T03:04:05Z`), as S3; an
 * expired SigV2 URL (`Expires=<epoch seconds>`) has Expires and ServerTime.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import * as S3 from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { adminBucket } from './support/s3.ts';
import type { TestServer } from './support/server.ts';

const BUCKET = 'kf3-expired';
let c: S3.S3Client;
let server: TestServer;
adminBucket(BUCKET, (client, s) => ((c = client), (server = s)));

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const elements = (xml: string): string[] => [...xml.matchAll(/<([A-Za-z-]+)>[^<]*<\/\1>/g)].map((m) => m[1]!);
const element = (xml: string, name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

/** Whether ServerTime is the server's clock: between `before` and now, to the second. */
function assertServerTime(xml: string, before: number): void {
  const t = Date.parse(element(xml, 'ServerTime') ?? '');
  assert.ok(t >= Math.floor(before / 1000) * 1000 && t <= Date.now(), `ServerTime ${element(xml, 'ServerTime')}`);
  assert.match(element(xml, 'ServerTime')!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
}

describe('kf 3: an expired presigned URL says when it expired', () => {
  it('SigV4: X-Amz-Expires, Expires and ServerTime', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'report.csv', Body: 'a,b' }));
    const signedAt = Math.floor((Date.now() - 10 * 60_000) / 1000) * 1000;
    const url = await getSignedUrl(c, new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'report.csv' }), { expiresIn: 300, signingDate: new Date(signedAt) });
    const before = Date.now();
    const r = await fetch(url);
    const text = await r.text();
    assert.equal(r.status, 403, text);
    assert.deepEqual(elements(text).slice(0, 5), ['Code', 'Message', 'X-Amz-Expires', 'Expires', 'ServerTime']);
    assert.equal(element(text, 'Code'), 'AccessDenied');
    assert.equal(element(text, 'Message'), 'Request has expired');
    assert.equal(element(text, 'X-Amz-Expires'), '300');
    assert.equal(element(text, 'Expires'), iso(signedAt + 300_000));
    assertServerTime(text, before);
    // A URL still valid is served.
    assert.equal((await fetch(await getSignedUrl(c, new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'report.csv' }), { expiresIn: 300 }))).status, 200);
  });

  it('SigV2: Expires and ServerTime', async () => {
    const expires = Math.floor(Date.now() / 1000) - 60;
    const signature = createHmac('sha1', server.admin.secretAccessKey).update(`GET\n\n\n${expires}\n/${BUCKET}/report.csv`).digest('base64');
    const query = new URLSearchParams({ AWSAccessKeyId: server.admin.accessKeyId, Expires: String(expires), Signature: signature });
    const before = Date.now();
    const r = await fetch(`${server.running.s3Url}/${BUCKET}/report.csv?${query}`);
    const text = await r.text();
    assert.equal(r.status, 403, text);
    assert.deepEqual(elements(text).slice(0, 4), ['Code', 'Message', 'Expires', 'ServerTime']);
    assert.equal(element(text, 'Message'), 'Request has expired');
    assert.equal(element(text, 'Expires'), iso(expires * 1000));
    assertServerTime(text, before);
  });
});
