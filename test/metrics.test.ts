/**
 * `GET /metrics` after some traffic: Prometheus text with the decisions by result, sessions issued, request
 * latency per API, the cache head and generation, and the audit log's backlog and writes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand, GetUserCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ROOT = '000000000000';

/** The value of one sample (`name{labels} value`), or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('metrics', () => {
  let s: TestServer;
  let text = '';
  const authorize = (credentials: Credentials, action: string) =>
    call<{ decision: string }>({ endpoint: new URL(s.url), credentials, region: 'us-east-1', credentialsSource: 'test' }, 'POST', ['authorize'], { body: { action, resource: 'arn:aws:s3:::m/k' } });

  before(async () => {
    s = await startTestServer();
    await s.iam().send(new CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' }] }) }));
    await s.iam().send(new GetUserCommand({}));
    const a = await s.sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/r`, RoleSessionName: 'one' }));
    await s.sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/r`, RoleSessionName: 'two' }));
    const session = { accessKeyId: a.Credentials?.AccessKeyId ?? '', secretAccessKey: a.Credentials?.SecretAccessKey ?? '', sessionToken: a.Credentials?.SessionToken ?? '' };
    await s.sts(session).send(new GetCallerIdentityCommand({}));
    for (let i = 0; i < 3; i++) assert.ok((await authorize(s.admin, 's3:GetObject')).ok);
    for (let i = 0; i < 2; i++) assert.ok((await authorize(session, 's3:GetObject')).ok);
    await s.running.app.audit.flush();
    const res = await fetch(`${s.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    text = await res.text();
  });
  after(() => s?.stop());

  it('counts decisions by result and sessions by API', () => {
    assert.equal(sample(text, 'gatehouse_decisions_total', { result: 'Allow' }), 3);
    assert.equal(sample(text, 'gatehouse_decisions_total', { result: 'ImplicitDeny' }), 2);
    assert.equal(sample(text, 'gatehouse_sessions_issued_total', { via: 'AssumeRole' }), 2);
  });

  it('has a latency histogram per API', () => {
    assert.equal(sample(text, 'gatehouse_http_request_duration_seconds_count', { api: 'authorize', code: '200' }), 5);
    assert.equal(sample(text, 'gatehouse_http_request_duration_seconds_count', { api: 'sts', code: '200' }), 3);
    assert.equal(sample(text, 'gatehouse_http_request_duration_seconds_count', { api: 'iam', code: '200' }), 2);
    assert.equal(sample(text, 'gatehouse_http_request_duration_seconds_bucket', { api: 'authorize', code: '200', le: '+Inf' }), 5);
    assert.ok((sample(text, 'gatehouse_http_request_duration_seconds_sum', { api: 'authorize', code: '200' }) ?? 0) > 0);
  });

  it('shows the cache head and generation, and the audit log', () => {
    assert.ok((sample(text, 'gatehouse_cache_head') ?? 0) > 0);
    assert.ok((sample(text, 'gatehouse_cache_generation') ?? 0) > 0);
    assert.equal(sample(text, 'gatehouse_audit_backlog'), 0);
    assert.equal(sample(text, 'gatehouse_audit_healthy'), 1);
    assert.equal(sample(text, 'gatehouse_audit_write_failures_total'), 0);
    // CreateRole, two sessions, five decisions.
    assert.ok((sample(text, 'gatehouse_audit_records_written_total') ?? 0) >= 8);
    assert.equal(sample(text, 'gatehouse_store_unavailable_total'), 0);
    assert.ok(sample(text, 'process_cpu_user_seconds_total') !== undefined, 'default process metrics');
  });

  it('names no principal and no secret', () => {
    assert.ok(!text.includes('arn:'), 'no ARN in metric labels');
    assert.ok(!text.includes(s.admin.secretAccessKey));
    assert.ok(!text.includes(s.admin.accessKeyId));
  });
});
