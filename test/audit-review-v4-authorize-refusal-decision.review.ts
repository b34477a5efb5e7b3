/**
 * Review V, V4: asking `POST /v1/authorize` (or `:batch`) about another principal without `gatehouse:Authorize` was
 * recorded with decision `ExplicitDeny` whatever denied it: a caller that merely lacks the permission ("because no
 * identity-based policy allows") showed among the explicit denies, which is what an auditor filters on to find a
 * guardrail hit (`audit query --decision ExplicitDeny`). Now the decision is the refusal's own (`ImplicitDeny` unless
 * a policy denied).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const ADMIN = `arn:aws:iam::${ROOT}:user/admin`;
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const Q = { principal: ADMIN, action: 's3:GetObject', resource: 'arn:aws:s3:::v4/k' };

describe('review V4: a refused question about another principal keeps its decision', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};

  before(async () => {
    s = await startTestServer();
    const deny = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'gatehouse:Authorize', Resource: ADMIN }] };
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [doc('User', 'bob', {}), doc('User', 'carol', { inlinePolicies: { guard: deny } })] });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    for (const u of ['bob', 'carol']) {
      const k = await gatehouseJson(s.url, s.admin, 'POST', '/v1/access-keys', { userName: u });
      assert.equal(k.status, 201, JSON.stringify(k.json));
      keys[u] = { accessKeyId: String(k.json['accessKeyId']), secretAccessKey: String(k.json['secretAccessKey']) };
    }
    await s.running.app.refresh();
  });
  after(async () => {
    await s.stop();
  });

  it('ImplicitDeny without the permission, ExplicitDeny under a Deny; single and batch', async () => {
    for (const u of ['bob', 'carol']) {
      const one = await gatehouseJson(s.url, keys[u] as Credentials, 'POST', '/v1/authorize', Q);
      assert.equal(one.status, 403, JSON.stringify(one.json));
      const batch = await gatehouseJson(s.url, keys[u] as Credentials, 'POST', '/v1/authorize:batch', { requests: [Q] });
      assert.equal(batch.status, 200, JSON.stringify(batch.json));
    }
    await s.running.app.audit.flush();
    const r = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit?action=gatehouse:Authorize');
    const records = r.json['records'] as AuditRecord[];
    const of = (u: string) => records.filter((x) => x.principal === `arn:aws:iam::${ROOT}:user/${u}`);
    assert.deepEqual(of('bob').map((x) => x.decision), ['ImplicitDeny', 'ImplicitDeny'], JSON.stringify(records));
    assert.deepEqual(of('carol').map((x) => x.decision), ['ExplicitDeny', 'ExplicitDeny'], JSON.stringify(records));
    for (const x of records) {
      assert.equal(x.resource, ADMIN);
    }
    const explicit = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit?action=gatehouse:Authorize&decision=ExplicitDeny');
    assert.equal((explicit.json['records'] as AuditRecord[]).length, 2);
  });
});
