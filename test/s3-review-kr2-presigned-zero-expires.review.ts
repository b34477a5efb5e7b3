/**
 * Review kr, 2, against a real server with the real `@aws-sdk/s3-request-presigner`: a presigned URL whose
 * X-Amz-Expires is 0 is a malformed URL, refused as S3 refuses a lifetime out of its range.
 *
 * What was wrong: the gateway took X-Amz-Expires from 0 to 604800. S3 takes 1 to 604800 ("The minimum value you can
 * set is 1, and the maximum is 604800", sigv4-query-string-auth.html), and SDK v3's presigner signs `expiresIn: 0`
 * without complaint. Such a URL was answered 403 AccessDenied "Request has expired" the moment it was used, as if it
 * had been a good link left too long, where S3 answers 400 AuthorizationQueryParametersError: the link was never
 * valid, and its maker, not its holder, has to change something.
 *
 * What is now so: X-Amz-Expires=0 is refused 400 AuthorizationQueryParametersError with a message naming the
 * parameter, the range 1 to 604800 and the value sent; 1 second and one week are served; 604801 is refused as before.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { adminBucket } from './support/s3.ts';

const B = 'kr2-zero-expires';
let c: S3.S3Client;
adminBucket(B, (client) => {
  c = client;
});

const element = (xml: string, name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1]?.replaceAll('&apos;', "'");

describe('kr 2: X-Amz-Expires must be 1 to 604800', () => {
  it('0: 400 AuthorizationQueryParametersError naming X-Amz-Expires, its range and the value', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: B, Key: 'k', Body: 'v' }));
    const url = await getSignedUrl(c, new S3.GetObjectCommand({ Bucket: B, Key: 'k' }), { expiresIn: 0 });
    assert.match(url, /[?&]X-Amz-Expires=0(?:&|$)/);
    const res = await fetch(url);
    const xml = await res.text();
    assert.deepEqual([res.status, element(xml, 'Code')], [400, 'AuthorizationQueryParametersError'], xml);
    assert.match(element(xml, 'Message') ?? '', /X-Amz-Expires must be .*\b1 to 604800\b.*'0'/);
  });

  it('1 second and one week are served; 604801 is refused', async () => {
    for (const expiresIn of [1, 604800]) {
      // Signed at the coming whole second (X-Amz-Date has no fraction), so that a 1-second URL is still good when sent.
      const signingDate = new Date(Math.ceil(Date.now() / 1000) * 1000);
      const res = await fetch(await getSignedUrl(c, new S3.GetObjectCommand({ Bucket: B, Key: 'k' }), { expiresIn, signingDate }));
      assert.deepEqual([res.status, await res.text()], [200, 'v'], `expiresIn ${expiresIn}`);
    }
    const week = await getSignedUrl(c, new S3.GetObjectCommand({ Bucket: B, Key: 'k' }), { expiresIn: 604800 });
    const res = await fetch(week.replace('X-Amz-Expires=604800', 'X-Amz-Expires=604801'));
    const xml = await res.text();
    assert.deepEqual([res.status, element(xml, 'Code')], [400, 'AuthorizationQueryParametersError'], xml);
  });
});
