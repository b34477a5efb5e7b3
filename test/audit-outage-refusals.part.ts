/**
 * Sessions and revocations refused in an outage are recorded (review M6), as refused directory changes are:
 * - AssumeRole, GetSessionToken and a job's session refused by the closed audit gate (the audit log cannot be
 *   written): a `session` record, `Deny`, with the refusal's message and code, queued (and journaled) and written
 *   once the log can be; no session named in it;
 * - AssumeRole refused because the database cannot be reached (503, thrown by the store): the same;
 * - `revoke-sessions` refused because the database cannot be reached (503): a change record `SERVICE_UNAVAILABLE`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { CreateRoleCommand, CreatePolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { StoreUnavailableError } from '../src/app/ports/store.ts';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { errorName, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const ROLE = `arn:aws:iam::${ROOT}:role/r`;
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' },
    { Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' },
  ],
});

const conn = (s: TestServer, credentials: Credentials): Connection => ({ endpoint: new URL(s.url), credentials, region: 'us-east-1', credentialsSource: 'test' });

async function until(what: string, cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

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

describe('audit: sessions and revocations refused in an outage are recorded', () => {
  let s: TestServer;
  let since = 0;

  before(async () => {
    s = await startTestServer();
    await s.iam().send(new CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: TRUST }));
    await s.iam().send(new CreatePolicyCommand({ PolicyName: 'narrow', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }) }));
    await s.running.app.audit.flush();
    since = (await records(s, 0)).at(-1)?.seq ?? 0;
  });
  after(async () => {
    await s.stop();
  });

  it('refused by the closed audit gate: AssumeRole, GetSessionToken and a job session, each recorded once the log can be written', async () => {
    const app = s.running.app;
    const db = new DatabaseSync(join(s.dataDir, 'gatehouse.db'), { timeout: 5000 });
    db.exec('ALTER TABLE audit_log RENAME TO audit_log_away');
    try {
      await call(conn(s, s.admin), 'POST', ['authorize'], { body: { action: 'outage:Decide', resource: 'arn:aws:s3:::b/k' } });
      await until('the audit log is failing', () => !app.audit.status().healthy);
      assert.equal(await errorName(s.sts().send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'during' }))), 'ServiceUnavailable');
      assert.equal(await errorName(s.sts().send(new GetSessionTokenCommand({}))), 'ServiceUnavailable');
      const job = await app.sts.assumeRoleAsService({ service: 'training.gatehouse.dev', roleArn: ROLE, sessionName: 'job-j1', job: 'j1' });
      assert.equal(job.ok ? 'issued' : job.errors[0]?.code, 'SERVICE_UNAVAILABLE');
      // A change made at the HTTP edge (a resource policy), refused by the gate.
      const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::gated/*' }] };
      const put = await call(conn(s, s.admin), 'PUT', ['resource-policies', 'arn:aws:s3:::gated'], { body: { document: policy } });
      assert.equal(put.ok ? 200 : put.httpStatus, 503);
      // Unsigned: refused by the gate before the token is even read.
      const web = await app.oidc.assumeRoleWithWebIdentity({ roleArn: ROLE, roleSessionName: 'web', webIdentityToken: 'not.a.token', policyArns: [] }, { sourceIp: '127.0.0.1' });
      assert.equal(web.ok ? 'issued' : web.errors[0]?.code, 'SERVICE_UNAVAILABLE');
    } finally {
      db.exec('ALTER TABLE audit_log_away RENAME TO audit_log');
      db.close();
    }
    await until('the backlog is written', () => app.audit.status().healthy && app.audit.status().backlog === 0);
    const all = await records(s, since);
    since = all.at(-1)?.seq ?? since;
    const refused = all.filter((r) => r.kind === 'session');
    assert.ok(!refused.some((r) => r.session !== undefined || r.decision === 'Allow'), 'no session was issued');

    const assume = refused.filter((r) => r.action === 'sts:AssumeRole' && r.detail['sessionName'] === 'during');
    assert.equal(assume.length, 1, JSON.stringify(refused));
    assert.equal(assume[0]?.decision, 'Deny');
    assert.equal(assume[0]?.principal, `arn:aws:iam::${ROOT}:user/admin`);
    assert.equal(assume[0]?.role, ROLE);
    assert.equal(assume[0]?.detail['code'], 'SERVICE_UNAVAILABLE');
    assert.match(String(assume[0]?.detail['error']), /audit log cannot be written/);

    const token = refused.filter((r) => r.action === 'sts:GetSessionToken');
    assert.equal(token.length, 1);
    assert.equal(token[0]?.decision, 'Deny');
    assert.equal(token[0]?.principal, `arn:aws:iam::${ROOT}:user/admin`);

    const web = refused.filter((r) => r.action === 'sts:AssumeRoleWithWebIdentity');
    assert.deepEqual(web.map((r) => [r.decision, r.principal, r.role, r.detail['roleSessionName'], r.detail['code']]), [['Deny', 'anonymous', ROLE, 'web', 'SERVICE_UNAVAILABLE']]);
    assert.doesNotMatch(JSON.stringify(web), /not\.a\.token/, 'the token is never recorded');

    const edge = all.filter((r) => r.kind === 'change' && r.action === 'gatehouse:PutResourcePolicy');
    assert.deepEqual(edge.map((r) => [r.decision, r.resource, r.principal]), [['SERVICE_UNAVAILABLE', 'arn:aws:s3:::gated', `arn:aws:iam::${ROOT}:user/admin`]]);

    const forJob = refused.filter((r) => r.job === 'j1');
    assert.equal(forJob.length, 1);
    assert.deepEqual([forJob[0]?.action, forJob[0]?.decision, forJob[0]?.principal, forJob[0]?.role], ['sts:AssumeRole', 'Deny', 'training.gatehouse.dev', ROLE]);
  });

  it('refused because the database cannot be reached (503): AssumeRole and revoke-sessions are recorded', async () => {
    const app = s.running.app;
    const store = app.deps.store;
    const read = store.read.bind(store);
    // AssumeRole with a managed session policy reads the store: that read fails as in an outage.
    (store as { read: unknown }).read = () => Promise.reject(new StoreUnavailableError('connect ECONNREFUSED 127.0.0.1:5432'));
    try {
      assert.equal(await errorName(s.sts().send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'outage', PolicyArns: [{ arn: `arn:aws:iam::${ROOT}:policy/narrow` }] }))), 'ServiceUnavailable');
    } finally {
      (store as { read: unknown }).read = read;
    }
    // The revocation list is in the database: writing the entry fails.
    const live = app.live as unknown as { revoke: (...a: unknown[]) => Promise<void> };
    const revoke = live.revoke;
    live.revoke = () => Promise.reject(new StoreUnavailableError('connect ECONNREFUSED 127.0.0.1:5432'));
    try {
      const r = await call(conn(s, s.admin), 'POST', ['sts', 'revoke-sessions'], { body: { roleArn: ROLE } });
      assert.equal(r.ok ? 200 : r.httpStatus, 503);
    } finally {
      live.revoke = revoke;
    }
    const all = await records(s, since);
    const assume = all.filter((r) => r.action === 'sts:AssumeRole' && r.detail['sessionName'] === 'outage');
    assert.equal(assume.length, 1, JSON.stringify(all));
    assert.equal(assume[0]?.decision, 'Deny');
    assert.equal(assume[0]?.detail['code'], 'SERVICE_UNAVAILABLE');
    assert.doesNotMatch(JSON.stringify(assume[0]), /5432/, 'the cause (the database address) goes to the log only');
    const revocations = all.filter((r) => r.action === 'gatehouse:RevokeSessions');
    assert.equal(revocations.length, 1, JSON.stringify(all));
    assert.equal(revocations[0]?.decision, 'SERVICE_UNAVAILABLE');
    assert.equal(revocations[0]?.resource, ROLE);
    assert.equal(revocations[0]?.principal, `arn:aws:iam::${ROOT}:user/admin`);
    assert.match(String(revocations[0]?.detail['error']), /nothing was revoked/);
  });
});
