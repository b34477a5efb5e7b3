/**
 * Review Y, Y3: bucket changes made through the S3 gateway — CreateBucket, DeleteBucket, PutBucketPolicy,
 * DeleteBucketPolicy — are administrative changes, audited as `PUT|DELETE /v1/resource-policies` and the directory's
 * are, through the real `@aws-sdk/client-s3` against a real server on 127.0.0.1:
 * 1. each leaves a `change` record with the caller, the source IP, the request and `before`/`after` (the bucket policy
 *    documents; the owner record and the policies a bucket's deletion removed), even with allowed decisions sampled
 *    away entirely (`allowSample: 0`, GATEHOUSE_AUDIT_ALLOW_SAMPLE=0), which left nothing at all before;
 * 2. while the audit log cannot be written (closed policy), each is refused with a retryable 503 ServiceUnavailable
 *    (the SDK retries it), nothing changes (before: the bucket was created and a public policy set), and the
 *    refusals are recorded (`SERVICE_UNAVAILABLE`) once the log can be written again.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import * as S3 from '@aws-sdk/client-s3';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { accountAdmin, sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const ADMIN = `arn:aws:iam::${ROOT}:user/admin`;
const policy = (bucket: string, principal: unknown, action: string): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: principal, Action: action, Resource: `arn:aws:s3:::${bucket}/*` }] });

const conn = (s: TestServer, credentials: Credentials): Connection => ({ endpoint: new URL(s.url), credentials, region: 'us-east-1', credentialsSource: 'test' });

async function until(what: string, cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Every record after `after`, read through the audit API. */
async function records(s: TestServer, after: number): Promise<AuditRecord[]> {
  await s.running.app.audit.flush();
  const out: AuditRecord[] = [];
  for (let cursor = String(after); ; ) {
    const page = await call<{ records: AuditRecord[]; next?: string }>(conn(s, s.admin), 'GET', ['audit'], { query: { after: cursor, limit: '1000' } });
    assert.ok(page.ok, JSON.stringify(page));
    out.push(...page.value.records);
    if (page.value.next === undefined) return out;
    cursor = page.value.next;
  }
}

const s3Of = (s: TestServer, maxAttempts = 1): S3.S3Client =>
  new S3.S3Client({ endpoint: s.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: s.admin, maxAttempts });

describe('S3 gateway bucket changes are change records, never sampled (review Y, Y3)', () => {
  let s: TestServer;
  let s3: S3.S3Client;

  before(async () => {
    s = await startTestServer({ audit: { allowSample: 0 } });
    s3 = s3Of(s);
    // The accounts the bucket policies name exist: a policy may name only an account that does (review ey, 1).
    for (const id of ['222222222222', '333333333333']) {
      await accountAdmin(s, id, 'aws');
    }
  });
  after(async () => {
    s3?.destroy();
    await s?.stop();
  });

  it('CreateBucket, PutBucketPolicy (twice), DeleteBucketPolicy and DeleteBucket each leave a change record with before/after and the source IP', async () => {
    const since = (await records(s, 0)).at(-1)?.seq ?? 0;
    const first = policy('y3-bucket', { AWS: 'arn:aws:iam::222222222222:root' }, 's3:*');
    const second = policy('y3-bucket', '*', 's3:GetObject');
    const third = policy('y3-bucket', { AWS: 'arn:aws:iam::333333333333:root' }, 's3:GetObject');
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'y3-bucket' }));
    await s3.send(new S3.PutBucketPolicyCommand({ Bucket: 'y3-bucket', Policy: first }));
    await s3.send(new S3.PutBucketPolicyCommand({ Bucket: 'y3-bucket', Policy: second }));
    await s3.send(new S3.DeleteBucketPolicyCommand({ Bucket: 'y3-bucket' }));
    await s3.send(new S3.PutBucketPolicyCommand({ Bucket: 'y3-bucket', Policy: third }));
    await s3.send(new S3.DeleteBucketCommand({ Bucket: 'y3-bucket' }));

    const all = await records(s, since);
    const changes = all.filter((r) => r.kind === 'change' && r.action.startsWith('s3:'));
    assert.deepEqual(
      changes.map((r) => [r.action, r.resource, r.decision, r.account, r.principal, r.sourceIp]),
      [
        ['s3:CreateBucket', 'arn:aws:s3:::y3-bucket', 'ok', ROOT, ADMIN, '127.0.0.1'],
        ['s3:PutBucketPolicy', 'arn:aws:s3:::y3-bucket', 'ok', ROOT, ADMIN, '127.0.0.1'],
        ['s3:PutBucketPolicy', 'arn:aws:s3:::y3-bucket', 'ok', ROOT, ADMIN, '127.0.0.1'],
        ['s3:DeleteBucketPolicy', 'arn:aws:s3:::y3-bucket', 'ok', ROOT, ADMIN, '127.0.0.1'],
        ['s3:PutBucketPolicy', 'arn:aws:s3:::y3-bucket', 'ok', ROOT, ADMIN, '127.0.0.1'],
        ['s3:DeleteBucket', 'arn:aws:s3:::y3-bucket', 'ok', ROOT, ADMIN, '127.0.0.1'],
      ],
      JSON.stringify(all.map((r) => [r.kind, r.action, r.decision])),
    );
    const [create, put1, put2, del, put3, drop] = changes.map((r) => r.detail as Record<string, any>);
    // CreateBucket: no owner before, the owner after.
    assert.deepEqual(create?.['request'], { bucket: 'y3-bucket' });
    assert.equal(create?.['before'], null);
    assert.deepEqual([create?.['after']?.bucket, create?.['after']?.account], ['y3-bucket', ROOT]);
    assert.deepEqual(create?.['policiesRemoved'], { resourcePolicies: [], iamPolicies: [] });
    // PutBucketPolicy: the document requested, the one it replaced and the one it wrote.
    assert.deepEqual(put1?.['request'], { bucket: 'y3-bucket', policy: first });
    assert.equal(put1?.['before'], null);
    assert.deepEqual([put1?.['after']?.resource, put1?.['after']?.account, put1?.['after']?.document], ['arn:aws:s3:::y3-bucket', ROOT, first]);
    assert.equal(put2?.['before']?.document, first);
    assert.equal(put2?.['after']?.document, second);
    // DeleteBucketPolicy: the document it removed.
    assert.deepEqual(del?.['request'], { bucket: 'y3-bucket' });
    assert.equal(del?.['before']?.document, second);
    assert.equal(del?.['after'], null);
    assert.equal(put3?.['before'], null);
    // DeleteBucket: the owner record it removed, and the bucket policy that went with the bucket.
    assert.deepEqual([drop?.['before']?.bucket, drop?.['before']?.account], ['y3-bucket', ROOT]);
    assert.equal(drop?.['after'], null);
    assert.deepEqual(drop?.['policiesRemoved']?.resourcePolicies?.map((p: { document: string }) => p.document), [third]);
    // Allowed decisions are all sampled away: these records are the only trace of the changes.
    assert.equal(all.filter((r) => r.kind === 'decision' && r.decision === 'Allow').length, 0);
  });
});

describe('S3 gateway bucket changes are refused while the audit log cannot be written (review Y, Y3)', () => {
  let s: TestServer;
  let s3: S3.S3Client;
  const kept = policy('kept', { AWS: `arn:aws:iam::${ROOT}:root` }, 's3:GetObject');

  before(async () => {
    s = await startTestServer();
    s3 = s3Of(s);
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'kept' }));
    await s3.send(new S3.PutBucketPolicyCommand({ Bucket: 'kept', Policy: kept }));
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'doomed' }));
  });
  after(async () => {
    s3?.destroy();
    await s?.stop();
  });

  it('CreateBucket, PutBucketPolicy, DeleteBucketPolicy and DeleteBucket: a retryable 503 ServiceUnavailable, nothing changed, the refusals recorded', async () => {
    const app = s.running.app;
    const since = (await records(s, 0)).at(-1)?.seq ?? 0;
    const refusalsBefore = app.audit.status().gateRefusals;
    const retrying = s3Of(s, 2);
    const db = new DatabaseSync(join(s.dataDir, 'gatehouse.db'), { timeout: 5000 });
    db.exec('ALTER TABLE audit_log RENAME TO audit_log_away');
    try {
      await call(conn(s, s.admin), 'POST', ['authorize'], { body: { action: 'outage:Decide', resource: 'arn:aws:s3:::b/k' } });
      await until('the audit log is failing', () => !app.audit.status().healthy);
      const open = policy('kept', '*', 's3:GetObject');
      const attempts: Record<string, number | undefined> = {};
      for (const [name, command] of [
        ['CreateBucket', new S3.CreateBucketCommand({ Bucket: 'outage-bucket' })],
        ['PutBucketPolicy', new S3.PutBucketPolicyCommand({ Bucket: 'kept', Policy: open })],
        ['DeleteBucketPolicy', new S3.DeleteBucketPolicyCommand({ Bucket: 'kept' })],
        ['DeleteBucket', new S3.DeleteBucketCommand({ Bucket: 'doomed' })],
      ] as const) {
        try {
          await retrying.send(command as never);
          assert.fail(`${name} succeeded while the audit log could not be written`);
        } catch (e) {
          const err = e as { name?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number; attempts?: number } };
          assert.deepEqual([name, err.Code ?? err.name, err.$metadata?.httpStatusCode], [name, 'ServiceUnavailable', 503], String(e));
          assert.match(String(err.message), /audit log cannot be written at the moment; the bucket is not changed until it can: retry later/);
          attempts[name] = err.$metadata?.attempts;
        }
      }
      // The SDK takes the answer as transient and retries it, as it does S3's own 503s.
      assert.deepEqual(attempts, { CreateBucket: 2, PutBucketPolicy: 2, DeleteBucketPolicy: 2, DeleteBucket: 2 });
      // Nothing changed (reads are not gated).
      assert.equal((await s3.send(new S3.GetBucketPolicyCommand({ Bucket: 'kept' }))).Policy, kept);
      assert.equal((await sdkFailure(s3.send(new S3.HeadBucketCommand({ Bucket: 'outage-bucket' })))).status, 404);
      await s3.send(new S3.HeadBucketCommand({ Bucket: 'doomed' }));
    } finally {
      retrying.destroy();
      db.exec('ALTER TABLE audit_log_away RENAME TO audit_log');
      db.close();
    }
    await until('the backlog is written', () => app.audit.status().healthy && app.audit.status().backlog === 0);
    assert.equal(app.audit.status().gateRefusals - refusalsBefore, 8, 'every attempt was refused by the gate');
    // Still nothing changed once the log is writable again.
    assert.equal((await s3.send(new S3.GetBucketPolicyCommand({ Bucket: 'kept' }))).Policy, kept);
    assert.equal((await sdkFailure(s3.send(new S3.HeadBucketCommand({ Bucket: 'outage-bucket' })))).status, 404);
    await s3.send(new S3.HeadBucketCommand({ Bucket: 'doomed' }));

    const refused = (await records(s, since)).filter((r) => r.kind === 'change' && r.action.startsWith('s3:'));
    assert.deepEqual(
      refused.map((r) => [r.action, r.resource, r.decision, r.principal, r.sourceIp]),
      [
        ['s3:CreateBucket', 'arn:aws:s3:::outage-bucket', 'SERVICE_UNAVAILABLE', ADMIN, '127.0.0.1'],
        ['s3:CreateBucket', 'arn:aws:s3:::outage-bucket', 'SERVICE_UNAVAILABLE', ADMIN, '127.0.0.1'],
        ['s3:PutBucketPolicy', 'arn:aws:s3:::kept', 'SERVICE_UNAVAILABLE', ADMIN, '127.0.0.1'],
        ['s3:PutBucketPolicy', 'arn:aws:s3:::kept', 'SERVICE_UNAVAILABLE', ADMIN, '127.0.0.1'],
        ['s3:DeleteBucketPolicy', 'arn:aws:s3:::kept', 'SERVICE_UNAVAILABLE', ADMIN, '127.0.0.1'],
        ['s3:DeleteBucketPolicy', 'arn:aws:s3:::kept', 'SERVICE_UNAVAILABLE', ADMIN, '127.0.0.1'],
        ['s3:DeleteBucket', 'arn:aws:s3:::doomed', 'SERVICE_UNAVAILABLE', ADMIN, '127.0.0.1'],
        ['s3:DeleteBucket', 'arn:aws:s3:::doomed', 'SERVICE_UNAVAILABLE', ADMIN, '127.0.0.1'],
      ],
    );
    // The refused PutBucketPolicy says what it would have set.
    assert.equal((refused[2]?.detail['request'] as { policy?: string } | undefined)?.policy, policy('kept', '*', 's3:GetObject'));
  });
});
