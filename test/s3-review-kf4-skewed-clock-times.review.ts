/**
 * Review kf, 4, against a real server with the real `@aws-sdk/client-s3`: a request signed by a clock more than 15
 * minutes off is refused 403 RequestTimeTooSkewed with the times S3's document gives: `<RequestTime>` (the request's
 * date as it was sent), `<ServerTime>` (the server's clock) and `<MaxAllowedSkewMilliseconds>900000`.
 *
 * What was wrong: the document had Code and Message only. SDK v3 corrects its clock from the error's `ServerTime`
 * before the response's Date header (`AwsSdkSigV4Signer.errorHandler`), and the elements are what a user reads to see
 * by how much the host's clock is off and what the allowed skew is; a SigV2 request was answered the same.
 *
 * What is now so: RequestTimeTooSkewed, SigV4 or SigV2, carries RequestTime (`x-amz-date`, else `Date`, as sent),
 * ServerTime (ISO 8601 to the second) and MaxAllowedSkewMilliseconds, which SDK v3 exposes on the exception.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket } from './support/s3.ts';
import type { TestServer } from './support/server.ts';

const BUCKET = 'kf4-skew';
let server: TestServer;
adminBucket(BUCKET, (_c, s) => (server = s));

const element = (xml: string, name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

/** Whether `text` is the server's clock, between `before` and now, to the second. */
function assertServerTime(text: string | undefined, before: number): void {
  assert.match(text ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const t = Date.parse(text!);
  assert.ok(t >= Math.floor(before / 1000) * 1000 && t <= Date.now(), `ServerTime ${text}`);
}

describe('kf 4: RequestTimeTooSkewed gives the times', () => {
  it('SigV4 (SDK v3, a clock 20 minutes behind or ahead): RequestTime, ServerTime, MaxAllowedSkewMilliseconds on the exception', async () => {
    for (const offset of [-20 * 60_000, 20 * 60_000]) {
      // maxAttempts 1: the refusal is seen as sent (with more, SDK v3 corrects its clock and tries again).
      const c = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1, systemClockOffset: offset });
      const before = Date.now();
      try {
        await c.send(new S3.ListObjectsV2Command({ Bucket: BUCKET }));
        assert.fail('a request from a skewed clock was served');
      } catch (e) {
        const err = e as S3.S3ServiceException & Record<string, unknown>;
        assert.equal(err.name, 'RequestTimeTooSkewed', String(e));
        assert.equal(err.$metadata.httpStatusCode, 403);
        assert.match(String(err['RequestTime']), /^\d{8}T\d{6}Z$/);
        const sent = Date.parse(String(err['RequestTime']).replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'));
        assert.ok(Math.abs(sent - (before + offset)) < 5_000, `RequestTime ${String(err['RequestTime'])}`);
        assertServerTime(err['ServerTime'] as string | undefined, before);
        assert.equal(err['MaxAllowedSkewMilliseconds'], '900000');
      } finally {
        c.destroy();
      }
    }
  });

  it('SigV2 (a Date header 20 minutes behind): the same elements', async () => {
    const date = new Date(Date.now() - 20 * 60_000).toUTCString();
    const signature = createHmac('sha1', server.admin.secretAccessKey).update(`GET\n\n\n${date}\n/${BUCKET}/`).digest('base64');
    const before = Date.now();
    const r = await fetch(`${server.running.s3Url}/${BUCKET}/`, { headers: { date, authorization: `AWS ${server.admin.accessKeyId}:${signature}` } });
    const text = await r.text();
    assert.equal(r.status, 403, text);
    assert.equal(element(text, 'Code'), 'RequestTimeTooSkewed');
    assert.equal(element(text, 'RequestTime'), date);
    assertServerTime(element(text, 'ServerTime'), before);
    assert.equal(element(text, 'MaxAllowedSkewMilliseconds'), '900000');
  });
});
