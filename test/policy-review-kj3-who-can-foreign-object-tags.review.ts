/**
 * Review kj, 3, against a real server with the real `@aws-sdk/client-s3`: who-can's grants beyond the account by a
 * bucket policy (`grantedByResourcePolicy`) on an object of a bucket the S3 gateway holds are decided with the object's
 * stored tags as `s3:ExistingObjectTag/<key>`, as the gateway decides the other account's request.
 *
 * What was wrong: that path evaluated the bucket policy with the asker's `context`. Under the usual "share with the
 * partner account the objects tagged share=yes" statement, the owner asking who can read an object tagged share=yes
 * was told no one beyond the account (the question carried no tag), though the partner's GetObject succeeds; and a
 * question claiming `share: yes` of an object tagged share=no listed the partner, whom the gateway refuses.
 *
 * What is now so: the context comes from the authorizer (`contextFor`, as for the account's own principals and its
 * default-role jobs, review kj, 1), for the account that owns the bucket (the asker, or the root account: who-can lists
 * such grants to no one else), so the answer agrees with the gateway whatever tags the asker writes.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { gatehouseJson } from './support/resource-server.ts';
import { createdAccount, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const B = '333344445555';
const PARTNER = `arn:aws:iam::${B}:root`;
const BUCKET = 'kj3-shared';
const SHARE = 's3:ExistingObjectTag/share';

describe('review kj3: who-can decides a bucket policy\'s grants beyond the account with an object\'s stored tags', () => {
  let s: TestServer;
  let partner: Credentials;
  const clients: S3.S3Client[] = [];
  const s3 = (credentials: Credentials): S3.S3Client => {
    const c = new S3.S3Client({ endpoint: s.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials, maxAttempts: 1 });
    clients.push(c);
    return c;
  };
  before(async () => {
    s = await startTestServer();
    partner = await createdAccount(s, B, 'kj3-partner');
    const admin = s3(s.admin);
    await admin.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
    await admin.send(new S3.PutBucketPolicyCommand({
      Bucket: BUCKET,
      Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Share', Effect: 'Allow', Principal: { AWS: PARTNER }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: { StringEquals: { [SHARE]: 'yes' } } }] }),
    }));
    await admin.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'out', Body: 'o', Tagging: 'share=yes' }));
    await admin.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'in', Body: 'i', Tagging: 'share=no' }));
  });
  after(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await s?.stop();
  });

  /** The principals beyond the account who-can says the bucket policy grants GetObject of `key` to. */
  const foreign = async (key: string, context?: Record<string, string>): Promise<string[]> => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', { action: 's3:GetObject', resource: `arn:aws:s3:::${BUCKET}/${key}`, ...(context ? { context } : {}) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return (r.json['grantedByResourcePolicy'] as { principal: string }[]).map((g) => g.principal);
  };

  it('the shared object: the partner is listed, whatever tags the question carries (before the fix: not without the tag)', async () => {
    assert.deepEqual(await foreign('out'), [PARTNER]);
    assert.deepEqual(await foreign('out', { [SHARE]: 'no' }), [PARTNER]);
  });

  it('the unshared object: no one beyond the account, even when the question claims it shared (before the fix: the partner)', async () => {
    assert.deepEqual(await foreign('in'), []);
    assert.deepEqual(await foreign('in', { [SHARE]: 'yes' }), []);
  });

  it('the gateway agrees: the partner reads the shared object and is refused the other', async () => {
    const theirs = s3(partner);
    const out = await theirs.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'out' }));
    assert.equal(await out.Body?.transformToString(), 'o');
    await assert.rejects(theirs.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'in' })), (e: Error) => e.name === 'AccessDenied');
  });
});
