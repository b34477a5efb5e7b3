/**
 * Review ci, 2: `--decision AccessDenied` ("the code the aws CLI shows", as the help says, and its own example
 * `gatehouse audit query --last 20 --decision AccessDenied`) found refused changes only (stored `ACCESS_DENIED`). An
 * `aws sts assume-role` answered `AccessDenied` is recorded as a session with decision `Deny`, and an S3 request the
 * gateway answered `AccessDenied` as a decision `ImplicitDeny` or `ExplicitDeny`: an auditor who asked for the
 * AccessDenied the users saw was told `no records match`, or shown the refused changes alone. Now `AccessDenied` (in
 * any case) finds every refusal a client sees as AccessDenied: refused changes, sessions, job submissions and
 * admissions, and denied decisions. `ACCESS_DENIED`, `Deny`, `ImplicitDeny`, `ExplicitDeny` still find their own.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { cliAgainst, errorName, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

type Rec = { seq: number; kind: string; action: string; decision: string };

describe('review ci2: --decision AccessDenied finds every refusal a client sees as AccessDenied', () => {
  let s: TestServer;
  let bob: Credentials;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new CreateUserCommand({ UserName: 'bob' }));
    const k = await iam.send(new CreateAccessKeyCommand({ UserName: 'bob' }));
    bob = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] });
    await iam.send(new CreateRoleCommand({ RoleName: 'ci2', AssumeRolePolicyDocument: trust }));
    // Bob has no permissions: each of these is answered AccessDenied (or a deny) and recorded.
    assert.equal(await errorName(s.sts(bob).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/ci2', RoleSessionName: 'ci2-try' }))), 'AccessDenied');
    assert.equal(await errorName(s.iam(bob).send(new CreateUserCommand({ UserName: 'ci2-mallory' }))), 'AccessDenied');
    const d = await gatehouseJson(s.url, bob, 'POST', '/v1/authorize', { action: 's3:GetObject', resource: 'arn:aws:s3:::ci2/k' });
    assert.equal((d.json as { decision: string }).decision, 'ImplicitDeny');
    await s.running.app.audit.flush();
  });
  after(async () => s?.stop());

  const refusals = (records: readonly Rec[]) => records.map((r) => [r.kind, r.action, r.decision]);
  const expected = [
    ['session', 'sts:AssumeRole', 'Deny'],
    ['change', 'iam:CreateUser', 'ACCESS_DENIED'],
    ['decision', 's3:GetObject', 'ImplicitDeny'],
  ];

  it('GET /v1/audit?decision=AccessDenied: the refused session, change and decision', async () => {
    for (const asked of ['AccessDenied', 'accessdenied']) {
      const r = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?decision=${asked}`);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.deepEqual(refusals((r.json as { records: Rec[] }).records), expected, asked);
    }
  });

  it('the stored values still find their own records only', async () => {
    for (const [asked, want] of [['ACCESS_DENIED', [expected[1]]], ['Deny', [expected[0]]], ['ImplicitDeny', [expected[2]]]] as const) {
      const r = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?decision=${asked}`);
      assert.deepEqual(refusals((r.json as { records: Rec[] }).records), want, asked);
    }
  });

  it('gatehouse audit query --last 20 --decision AccessDenied (the help\'s example) lists them', async () => {
    const r = await cliAgainst(s, ['audit', 'query', '--last', '20', '--decision', 'AccessDenied', '--json']);
    assert.equal(r.status, 0, r.err);
    assert.deepEqual(refusals(r.out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Rec)), expected);
  });
});

describe('review ci2 on PostgreSQL: decision=AccessDenied finds every refusal', () => {
  it('the refused change and the denied decision', { timeout: 90_000 }, async (t) => {
    const why = await pgSkip();
    if (why !== undefined) return void t.skip(why);
    const schema = `gh_review_ci2_${process.pid}`;
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    const s = await startTestServer({ postgres: { url: PG_URL, schema } });
    try {
      await s.iam().send(new CreateUserCommand({ UserName: 'bob' }));
      const k = await s.iam().send(new CreateAccessKeyCommand({ UserName: 'bob' }));
      const bob = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
      assert.equal(await errorName(s.iam(bob).send(new CreateUserCommand({ UserName: 'ci2-mallory' }))), 'AccessDenied');
      await gatehouseJson(s.url, bob, 'POST', '/v1/authorize', { action: 's3:GetObject', resource: 'arn:aws:s3:::ci2/k' });
      await s.running.app.audit.flush();
      const r = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit?decision=AccessDenied');
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.deepEqual((r.json as { records: Rec[] }).records.map((x) => x.decision), ['ACCESS_DENIED', 'ImplicitDeny']);
    } finally {
      await s.stop();
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    }
  });
});
