/**
 * The change records of an apply that touch a role carry the role, as the IAM API's do (review readme, R3): `audit
 * query --role ARN` (`GET /v1/audit?role=`) finds the role's creation and policy changes made through apply.
 * A real server on 127.0.0.1 (SQLite), the /v1 client.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ROLE = 'arn:aws:iam::000000000000:role/applied-role';
const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] };
const inline = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*' }] };

describe('apply: its change records', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s?.stop();
  });

  it('audit query --role finds the role created and its policy put through apply', async () => {
    const conn = connectionTo(s.url, s.admin);
    const doc = { apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'applied-role' }, spec: { trustPolicy: trust, inlinePolicies: { read: inline } } };
    const applied = await call(conn, 'POST', ['apply'], { body: { documents: [doc] } });
    assert.ok(applied.ok, applied.ok ? '' : applied.message);
    const q = await call<{ records: { action: string; kind: string; role?: string; resource: string }[] }>(conn, 'GET', ['audit'], { query: { role: ROLE, kind: 'change' } });
    assert.ok(q.ok, q.ok ? '' : q.message);
    const actions = q.value.records.map((r) => r.action).sort();
    assert.deepEqual(actions, ['iam:CreateRole', 'iam:PutRolePolicy'], JSON.stringify(q.value.records));
    for (const r of q.value.records) assert.equal(r.role, ROLE);
  });

  it("counts the records it commits in gatehouse_audit_records_written_total at once (they do not go through the queue)", async () => {
    const written = async (): Promise<number> => {
      const text = await (await fetch(`${s.url}/metrics`)).text();
      return Number(/^gatehouse_audit_records_written_total (\d+)/m.exec(text)?.[1] ?? Number.NaN);
    };
    const before = await written();
    const users = Array.from({ length: 5 }, (_, i) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name: `counted-${i}` }, spec: {} }));
    const applied = await call(connectionTo(s.url, s.admin), 'POST', ['apply'], { body: { documents: users } });
    assert.ok(applied.ok, applied.ok ? '' : applied.message);
    assert.ok((await written()) - before >= 5, `written went from ${before} to ${await written()}`);
  });
});
