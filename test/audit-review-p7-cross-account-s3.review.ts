/**
 * Review V, P7 (fixed at stop 25): the S3 gateway's decisions about a principal of account B on a bucket of account A
 * were recorded in B's audit log only, and each account's readers see their own account's records, so A's
 * administrators never saw who read (or tried to read) their bucket. CloudTrail delivers a cross-account data event to
 * both accounts. Now both get a record, each marked `detail.crossAccount`; the owner's copy carries the decision and
 * what refused, not the caller's policies (its account's to read, review I3). A same-account request is recorded once.
 * Real server on 127.0.0.1, SDK v3 S3 clients, audit read through GET /v1/audit as each account's admin.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '121212121212';
const B = '343434343434';

describe('review P7: S3 decisions across accounts are recorded in both', () => {
  let s: TestServer;
  const admins: Record<string, Credentials> = {};
  const s3Of = (who: Credentials) => new S3.S3Client({ endpoint: s.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: who, maxAttempts: 1 });
  const decisions = async (who: Credentials): Promise<AuditRecord[]> => {
    await s.running.app.audit.flush();
    const r = await gatehouseJson(s.url, who, 'GET', '/v1/audit?kind=decision&action=s3:GetObject&limit=1000');
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return (r.json['records'] as AuditRecord[]).filter((x) => x.resource.startsWith('arn:aws:s3:::p7-'));
  };

  before(async () => {
    s = await startTestServer();
    for (const id of [A, B]) {
      const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/accounts', { id, partition: 'aws' });
      assert.equal(r.status, 201, JSON.stringify(r.json));
      admins[id] = { accessKeyId: String(r.json['AccessKeyId']), secretAccessKey: String(r.json['SecretAccessKey']) };
    }
    const a = s3Of(admins[A] as Credentials);
    await a.send(new S3.CreateBucketCommand({ Bucket: 'p7-data' }));
    await a.send(new S3.PutObjectCommand({ Bucket: 'p7-data', Key: 'shared/x', Body: 'x' }));
    await a.send(new S3.PutObjectCommand({ Bucket: 'p7-data', Key: 'private/y', Body: 'y' }));
    await a.send(new S3.PutBucketPolicyCommand({
      Bucket: 'p7-data',
      Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'PartnerReads', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::p7-data/shared/*' }] }),
    }));
    await a.send(new S3.GetObjectCommand({ Bucket: 'p7-data', Key: 'private/y' }));
    a.destroy();
    await s.running.app.refresh();
  });
  after(() => s?.stop());

  it("the bucket's owner sees the partner's read and its refusal; the partner sees both; the owner's own read once", async () => {
    const counted = async (): Promise<Record<string, number>> => {
      const text = await (await fetch(`${s.url}/metrics`)).text();
      const out: Record<string, number> = {};
      for (const m of text.matchAll(/^gatehouse_decisions_total\{result="(\w+)"\} (\d+)$/gm)) out[m[1] as string] = Number(m[2]);
      return out;
    };
    const before = await counted();
    const b = s3Of(admins[B] as Credentials);
    const got = await b.send(new S3.GetObjectCommand({ Bucket: 'p7-data', Key: 'shared/x' }));
    assert.equal(await got.Body?.transformToString(), 'x');
    await assert.rejects(b.send(new S3.GetObjectCommand({ Bucket: 'p7-data', Key: 'private/y' })), (e: Error) => e.name === 'AccessDenied');
    b.destroy();
    // Two decisions, counted once each however many accounts record them.
    const now = await counted();
    assert.deepEqual([(now['Allow'] ?? 0) - (before['Allow'] ?? 0), (now['ImplicitDeny'] ?? 0) - (before['ImplicitDeny'] ?? 0)], [1, 1], JSON.stringify({ before, now }));
    const partner = `arn:aws:iam::${B}:user/admin`;
    const summary = (rs: AuditRecord[]) => rs.map((r) => `${r.principal === partner ? 'B' : 'A'} ${r.resource.slice('arn:aws:s3:::p7-data/'.length)} ${r.decision}`).sort();
    const ofA = await decisions(admins[A] as Credentials);
    const ofB = await decisions(admins[B] as Credentials);
    assert.deepEqual(summary(ofA), ['A private/y Allow', 'B private/y ImplicitDeny', 'B shared/x Allow'], JSON.stringify(ofA));
    assert.deepEqual(summary(ofB), ['B private/y ImplicitDeny', 'B shared/x Allow'], JSON.stringify(ofB));
    for (const r of [...ofA, ...ofB]) {
      if (r.principal !== partner) {
        assert.equal(r.detail['crossAccount'], undefined);
        continue;
      }
      assert.deepEqual(r.detail['crossAccount'], { callerAccount: B, resourceAccount: A });
      // The owner's copy: the decision and what refused, none of B's rules.
      if (r.account === A) assert.deepEqual(Object.keys(r.detail).sort(), r.decision === 'Allow' ? ['crossAccount'] : ['crossAccount', 'deniedBy'], JSON.stringify(r));
      else assert.ok(Array.isArray(r.detail['matched']), JSON.stringify(r));
    }
  });
});
