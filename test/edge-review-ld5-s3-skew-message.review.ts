/**
 * Review ld, 5: the S3 gateway's `RequestTimeTooSkewed` to a SigV4 request said IAM's and STS's words, "Signature
 * expired: 20261206T054656Z is now earlier than … (… - 15 min.)" or "Signature not yet current: …", where S3 says "The
 * difference between the request time and the current time is too large." (S3 error responses; the gateway's SigV2 door
 * already said so): the message a user with a wrong clock searches, and the one S3 tools match. The times are S3's own
 * elements of that document (`RequestTime`, `ServerTime`, `MaxAllowedSkewMilliseconds`, review kf, 4), which stay.
 * IAM and STS keep their "Signature expired" (the SDKs read that code as a clock-skew signal).
 *
 * The real @aws-sdk/client-s3 with its clock set 20 minutes off, against a real server.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { adminBucket } from './support/s3.ts';
import { REGION, type TestServer } from './support/server.ts';

const BUCKET = 'ld5-skew';
let server: TestServer;
adminBucket(BUCKET, (_c, s) => (server = s));

const MINUTE = 60_000;

describe('ld5: a request signed by a clock 20 minutes off', () => {
  it('S3 answers RequestTimeTooSkewed in S3\'s words, with its times', async () => {
    for (const offset of [-20 * MINUTE, 20 * MINUTE]) {
      const c = new S3.S3Client({ endpoint: server.running.s3Url, forcePathStyle: true, region: REGION, credentials: server.admin, systemClockOffset: offset, maxAttempts: 1 });
      try {
        await assert.rejects(c.send(new S3.ListObjectsV2Command({ Bucket: BUCKET })), (e: Error & { ServerTime?: string; MaxAllowedSkewMilliseconds?: string }) => {
          assert.equal(e.name, 'RequestTimeTooSkewed');
          assert.equal(e.message, 'The difference between the request time and the current time is too large.');
          assert.equal(e.MaxAllowedSkewMilliseconds, '900000');
          assert.ok(e.ServerTime, 'ServerTime is still given');
          return true;
        });
      } finally {
        c.destroy();
      }
    }
  });

  it('STS keeps "Signature expired"', async () => {
    const c = new STSClient({ endpoint: server.url, region: REGION, credentials: server.admin, systemClockOffset: -20 * MINUTE, maxAttempts: 1 });
    try {
      await assert.rejects(c.send(new GetCallerIdentityCommand({})), (e: Error) => e.name === 'SignatureDoesNotMatch' && /^Signature expired: /.test(e.message));
    } finally {
      c.destroy();
    }
  });
});
