/**
 * Review ci, 1: `gatehouse audit query --action` and `GET /v1/audit?action=` matched the action as stored, byte for
 * byte. Actions are case-insensitive in IAM (a policy allowing `s3:GetObject` allows a request for `s3:getobject`),
 * and a decision record keeps the action as the resource server spelled it. So `--action s3:GetObject` left out the
 * decisions asked as `s3:getobject`, and `--action sts:assumerole` (as a policy may write it) found no session at
 * all: `no records match`, a wrong answer to "who did this". The `decision` filter was already read in any case.
 * Now the action filter matches in any case, as IAM does, on SQLite and on PostgreSQL (one SQL layer).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

describe('review ci1: the audit action filter matches in any case, as IAM reads actions', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] });
    await s.iam().send(new CreateRoleCommand({ RoleName: 'ci1', AssumeRolePolicyDocument: trust }));
    await s.sts().send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/ci1', RoleSessionName: 'ci1-session' }));
    // Two resource servers, two spellings of one action: both decided Allow by the admin's `*` policy.
    for (const action of ['s3:GetObject', 's3:getobject', 'S3:GETOBJECT']) {
      const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { action, resource: 'arn:aws:s3:::ci1/k' });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.equal((r.json as { decision: string }).decision, 'Allow');
    }
    await s.running.app.audit.flush();
  });
  after(async () => s?.stop());

  it('GET /v1/audit?action= finds every spelling of the action', async () => {
    for (const asked of ['s3:GetObject', 's3:getobject']) {
      const r = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?kind=decision&action=${encodeURIComponent(asked)}`);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      const actions = (r.json as { records: { action: string }[] }).records.map((x) => x.action);
      assert.deepEqual(actions, ['s3:GetObject', 's3:getobject', 'S3:GETOBJECT'], `action=${asked}`);
    }
  });

  it('audit query --action sts:assumerole finds the session issued', async () => {
    const r = await cliAgainst(s, ['audit', 'query', '--action', 'sts:assumerole', '--json']);
    assert.equal(r.status, 0, r.err);
    const records = r.out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { kind: string; action: string; session?: string });
    assert.equal(records.length, 1, r.out + r.err);
    assert.equal(records[0]?.action, 'sts:AssumeRole', 'the record keeps its own spelling');
    assert.equal(records[0]?.session, 'arn:aws:sts::000000000000:assumed-role/ci1/ci1-session');
  });

  it('an action filter still narrows: another action matches nothing', async () => {
    const r = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit?action=s3:GetObjectAcl');
    assert.deepEqual((r.json as { records: unknown[] }).records, []);
  });
});

describe('review ci1 on PostgreSQL: the action filter matches in any case', () => {
  it('GET /v1/audit?action= finds every spelling of the action', { timeout: 90_000 }, async (t) => {
    const why = await pgSkip();
    if (why !== undefined) return void t.skip(why);
    const schema = `gh_review_ci1_${process.pid}`;
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    const s = await startTestServer({ postgres: { url: PG_URL, schema } });
    try {
      for (const action of ['s3:GetObject', 's3:getobject']) {
        const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { action, resource: 'arn:aws:s3:::ci1/k' });
        assert.equal(r.status, 200, JSON.stringify(r.json));
      }
      await s.running.app.audit.flush();
      const r = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit?kind=decision&action=S3:GetObject');
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.deepEqual((r.json as { records: { action: string }[] }).records.map((x) => x.action), ['s3:GetObject', 's3:getobject']);
    } finally {
      await s.stop();
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    }
  });
});
