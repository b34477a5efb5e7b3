/**
 * Review aj, 8, against a real server with the real `@aws-sdk/client-s3` and `@aws-sdk/s3-request-presigner`:
 * `s3:signatureAge` (milliseconds since the SigV4 signature's X-Amz-Date) reaches the decisions, so the User Guide's
 * cap on presigned URLs — Deny when `NumericGreaterThan` `s3:signatureAge` 600000 — refuses a URL signed more than
 * ten minutes ago. The key was absent, the Deny never applied, and a URL stayed valid for its whole X-Amz-Expires
 * (up to 7 days) whatever the bucket policy said.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { startTestServer, type TestServer } from './support/server.ts';

const BUCKET = 'aj5-age';
let server: TestServer;
let c: S3.S3Client;

before(async () => {
  server = await startTestServer();
  c = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
  await c.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
  await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'report.csv', Body: 'a,b' }));
  await c.send(
    new S3.PutBucketPolicyCommand({
      Bucket: BUCKET,
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Sid: 'PresignedUrlsAtMostTenMinutes', Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: { NumericGreaterThan: { 's3:signatureAge': '600000' } } }],
      }),
    }),
  );
});

after(async () => {
  c?.destroy();
  await server?.stop();
});

describe('8: s3:signatureAge', () => {
  it('a presigned URL signed 11 minutes ago is refused under the ten-minute cap; one signed now, and header-signed calls, pass', async () => {
    const get = new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'report.csv' });
    const old = await getSignedUrl(c, get, { expiresIn: 3600, signingDate: new Date(Date.now() - 11 * 60_000) });
    const refused = await fetch(old);
    const text = await refused.text();
    assert.equal(refused.status, 403, text);
    assert.match(text, /<Code>AccessDenied<\/Code>.*explicit deny in a resource-based policy/s);

    const fresh = await fetch(await getSignedUrl(c, get, { expiresIn: 3600, signingDate: new Date(Date.now() - 9 * 60_000) }));
    assert.equal(fresh.status, 200);
    assert.equal(await fresh.text(), 'a,b');
    assert.equal(await (await c.send(get)).Body?.transformToString(), 'a,b');
  });
});
