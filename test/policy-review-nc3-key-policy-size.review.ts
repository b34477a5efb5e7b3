/**
 * Policy review nc, 3: a KMS key policy over 20,480 characters was refused, though KMS takes key policies up to 32,768 bytes.
 * Before the fix 2 of 3 tests failed.
 *
 * Every resource policy was capped at S3's bucket-policy limit (20 KB), on the note that "other resource policies are
 * smaller". KMS key policies are not: AWS KMS ("Key policy format": "Up to 32 kilobytes (32,768 bytes)"; PutKeyPolicy)
 * and Alibaba Cloud KMS (SetKeyPolicy: "up to 32,768 bytes") take them, and Gatehouse decides `kms:` questions on a key
 * by its key policy alone (reference §A.1.2, "Exceptions"), so a key whose policy lists many principals or conditions
 * could not be given it at all (`POLICY_TOO_LARGE`, "the limit is 20480") through `PUT /v1/resource-policies` or apply.
 * A policy on a KMS key's ARN is now capped at 32,768; a bucket's stays at 20,480. Real server, admin API, apply and
 * the authorize API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const KEY = `arn:aws:kms:us-east-1:${A}:key/nc3-0000-0000`;
let s: TestServer;

/** A policy on `resource` of about `chars` characters (no whitespace): one statement per reader, each naming alice. */
const policyOf = (chars: number, action: string, resource: string): Record<string, unknown> => {
  const Statement: object[] = [{ Sid: 'Alice', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:user/alice` }, Action: action, Resource: resource }];
  for (let i = 0; JSON.stringify({ Version: '2012-10-17', Statement }).length < chars; i++) {
    Statement.push({ Sid: `Deny${i}`, Effect: 'Deny', Principal: '*', Action: action, Resource: resource, Condition: { IpAddress: { 'aws:SourceIp': `10.${i >> 8}.${i & 255}.0/24` } } });
  }
  return { Version: '2012-10-17', Statement };
};
const size = (d: unknown): number => JSON.stringify(d).length;

before(async () => {
  s = await startTestServer();
  await s.iam().send(new I.CreateUserCommand({ UserName: 'alice' }));
});
after(() => s?.stop());

describe('a KMS key policy may be as large as KMS takes (review nc, 3)', () => {
  it('PUT /v1/resource-policies takes a 30,000-character key policy, which then decides', async () => {
    const doc = policyOf(30_000, 'kms:Decrypt', '*');
    assert.ok(size(doc) > 20_480 && size(doc) < 32_768, String(size(doc)));
    const r = await gatehouseJson(s.url, s.admin, 'PUT', `/v1/resource-policies/${encodeURIComponent(KEY)}`, { document: doc });
    assert.equal(r.status, 200, JSON.stringify(r.json).slice(0, 400));
    const d = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${A}:user/alice`, action: 'kms:Decrypt', resource: KEY, context: { 'aws:SourceIp': '192.0.2.1' } });
    assert.equal(d.json['decision'], 'Allow', JSON.stringify(d.json).slice(0, 400));
    const denied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${A}:user/alice`, action: 'kms:Decrypt', resource: KEY, context: { 'aws:SourceIp': '10.0.7.9' } });
    assert.equal(denied.json['decision'], 'ExplicitDeny', 'the statements past 20,480 characters are in force');
  });

  it('apply takes it too; one past 32,768 characters is refused', async () => {
    const doc = policyOf(30_000, 'kms:Encrypt', '*');
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'ResourcePolicy', metadata: { name: 'key' }, spec: { resource: KEY, document: doc } }] });
    assert.equal(r.status, 200, JSON.stringify(r.json).slice(0, 400));
    const over = await gatehouseJson(s.url, s.admin, 'PUT', `/v1/resource-policies/${encodeURIComponent(KEY)}`, { document: policyOf(33_000, 'kms:Decrypt', '*') });
    assert.equal(over.status, 409, JSON.stringify(over.json).slice(0, 400));
    assert.match(JSON.stringify(over.json), /the limit is 32768/);
  });

  it('a bucket policy stays capped at 20,480', async () => {
    const r = await gatehouseJson(s.url, s.admin, 'PUT', `/v1/resource-policies/${encodeURIComponent('arn:aws:s3:::nc3-bucket')}`, { document: policyOf(21_000, 's3:GetObject', 'arn:aws:s3:::nc3-bucket/*') });
    assert.equal(r.status, 409, JSON.stringify(r.json).slice(0, 400));
    assert.match(JSON.stringify(r.json), /the limit is 20480/);
  });
});
