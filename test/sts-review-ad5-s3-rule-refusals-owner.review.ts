/**
 * Review ad, finding ad5: the S3
 * gateway's decisions on another account's bucket are recorded in the owner's account too (review V, P7, 69b51b8), but
 * only the engine's. A refusal the gateway decides by a rule of S3 itself (`refuse`) is recorded in the caller's
 * account alone, so the owner's log misstates what happened on its bucket:
 * - account A's bucket policy allows account B s3:PutBucketPolicy (a mistake, or `s3:*`): B's PutBucketPolicy passes
 *   the engine (recorded Allow in both accounts) and is refused by S3's rule (only the owner's principals change a
 *   bucket's policy), recorded in B's log only: A's log says B was allowed to change A's bucket policy, and nothing
 *   of the refusal;
 * - B's GetObject of a key that does not exist, B not allowed s3:ListBucket: the GetObject Allow is in A's log, the
 *   AccessDenied (s3:ListBucket, asked because the key does not exist) only in B's.
 * The test expects each refusal in both accounts, marked `detail.crossAccount` as P7's copies are. Real server, SDK v3
 * S3 clients, audit read through GET /v1/audit as each account's admin.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '565656565656';
const B = '787878787878';

describe('review ad5: the S3 gateway\'s own refusals on another account\'s bucket are in the owner\'s log too', () => {
  let s: TestServer;
  const admins: Record<string, Credentials> = {};
  const s3Of = (who: Credentials) => new S3.S3Client({ endpoint: s.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: who, maxAttempts: 1 });
  const records = async (who: Credentials, action: string): Promise<AuditRecord[]> => {
    await s.running.app.audit.flush();
    const r = await gatehouseJson(s.url, who, 'GET', `/v1/audit?kind=decision&action=${encodeURIComponent(action)}&limit=1000`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return (r.json['records'] as AuditRecord[]).filter((x) => x.resource.startsWith('arn:aws:s3:::ad5-') && x.principal === `arn:aws:iam::${B}:user/admin`);
  };

  before(async () => {
    s = await startTestServer();
    for (const id of [A, B]) {
      const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/accounts', { id, partition: 'aws' });
      assert.equal(r.status, 201, JSON.stringify(r.json));
      admins[id] = { accessKeyId: String(r.json['AccessKeyId']), secretAccessKey: String(r.json['SecretAccessKey']) };
    }
    const a = s3Of(admins[A] as Credentials);
    await a.send(new S3.CreateBucketCommand({ Bucket: 'ad5-data' }));
    await a.send(new S3.PutBucketPolicyCommand({
      Bucket: 'ad5-data',
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Sid: 'PartnerReads', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::ad5-data/*' },
          { Sid: 'TooWide', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: 's3:PutBucketPolicy', Resource: 'arn:aws:s3:::ad5-data' },
        ],
      }),
    }));
    a.destroy();
    await s.running.app.refresh();
  });
  after(() => s?.stop());

  it('B\'s PutBucketPolicy refused by S3\'s rule is in A\'s log, not only its engine Allow', async () => {
    const b = s3Of(admins[B] as Credentials);
    await assert.rejects(b.send(new S3.PutBucketPolicyCommand({ Bucket: 'ad5-data', Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: 'arn:aws:s3:::ad5-data/*' }] }) })), (e: Error) => e.name === 'MethodNotAllowed');
    b.destroy();
    const ofB = (await records(admins[B] as Credentials, 's3:PutBucketPolicy')).map((r) => r.decision).sort();
    assert.deepEqual(ofB, ['Allow', 'ImplicitDeny']);
    const ofA = await records(admins[A] as Credentials, 's3:PutBucketPolicy');
    assert.deepEqual(ofA.map((r) => r.decision).sort(), ['Allow', 'ImplicitDeny'], JSON.stringify(ofA));
    for (const r of ofA) assert.deepEqual(r.detail['crossAccount'], { callerAccount: B, resourceAccount: A });
  });

  it('B\'s GetObject of a missing key, refused for want of s3:ListBucket, is in A\'s log', async () => {
    const b = s3Of(admins[B] as Credentials);
    await assert.rejects(b.send(new S3.GetObjectCommand({ Bucket: 'ad5-data', Key: 'nope' })), (e: Error) => e.name === 'AccessDenied');
    b.destroy();
    assert.equal((await records(admins[B] as Credentials, 's3:ListBucket')).length, 1);
    const ofA = await records(admins[A] as Credentials, 's3:ListBucket');
    assert.deepEqual(ofA.map((r) => r.decision), ['ImplicitDeny'], JSON.stringify(ofA));
    assert.deepEqual(ofA[0]?.detail['crossAccount'], { callerAccount: B, resourceAccount: A });
  });
});
