/**
 * Review gm, 1: under the closed audit policy (the default) "no session is issued and the directory does not change
 * while the audit log is not known to be writable" (GATEHOUSE_AUDIT_FAILURE). A job submitted with `--role default`
 * in an account that had no default role yet made GatehouseTrainingDefaultRole (s3:*, odps:*, tables:* on *, trusting
 * the training service) in the job's transaction (review gb, 2) without asking the gate: with the audit log refusing
 * every write, `POST /v1/jobs {role: default}` answered 201 and the role was in the directory, its iam:CreateRole record
 * only queued, while CreateRole through the IAM API was refused 503. Now a submission that would make the role asks
 * the gate first and is refused 503 (retryable), nothing stored, the refusal recorded; once the log is writable the same submission makes
 * the role and records it. A submission whose account has the role already changes no directory and goes on.
 *
 * A real server on 127.0.0.1 (SQLite); the audit log is made unwritable with a trigger on its table.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { CreateUserCommand, GetRoleCommand } from '@aws-sdk/client-iam';
import { SQLITE_FILE_NAME } from '../src/adapters/store-sqlite/store.ts';
import { rootAdminCaller } from './support/callers.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ROLE = 'GatehouseTrainingDefaultRole';

describe('review gm1: a default-role job does not make the default role past the closed audit gate', () => {
  let s: TestServer;
  let db: DatabaseSync;
  before(async () => {
    s = await startTestServer();
    const ws = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/workspaces/gm1', { members: [{ user: 'admin' }], defaultBucket: 'arn:aws:s3:::gm1-bucket' });
    assert.equal(ws.status, 200, JSON.stringify(ws.json));
    assert.equal(await s.running.app.audit.flush(), true);
    db = new DatabaseSync(join(s.dataDir, SQLITE_FILE_NAME));
    db.exec('PRAGMA busy_timeout = 5000');
  });
  after(async () => {
    db?.close();
    await s?.stop();
  });

  const roleExists = async (): Promise<boolean> =>
    s
      .iam()
      .send(new GetRoleCommand({ RoleName: ROLE }))
      .then(
        () => true,
        (e: { name?: string }) => {
          if (e.name === 'NoSuchEntityException' || e.name === 'NoSuchEntity') return false;
          throw e;
        },
      );

  it('while the audit log refuses writes: 503, no role made; once it takes them: the role is made and recorded', async () => {
    db.exec("CREATE TRIGGER gm1_refuse BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit writes refused by the test'); END");
    try {
    // A change whose record cannot be written: the gate closes.
    await s.iam().send(new CreateUserCommand({ UserName: 'gm1-user' }));
    assert.equal(await s.running.app.audit.flush(), false, 'the audit log refuses writes');
    assert.equal(s.running.app.audit.status().healthy, false);

    const refused = await gatehouseJson(s.url, s.admin, 'POST', '/v1/jobs', { workspace: 'gm1', role: 'default' });
    assert.equal(refused.status, 503, `a default-role job that would make the role past the closed gate: ${JSON.stringify(refused.json)}`);
    assert.match(JSON.stringify(refused.json), /audit log cannot be written/);
    assert.equal(await roleExists(), false, `${ROLE} was made while the audit log could not be written`);
    } finally {
      db.exec('DROP TRIGGER IF EXISTS gm1_refuse');
    }
    assert.equal(await s.running.app.audit.flush(), true, 'the audit log takes writes again');
    const made = await gatehouseJson(s.url, s.admin, 'POST', '/v1/jobs', { workspace: 'gm1', role: 'default' });
    assert.equal(made.status, 201, JSON.stringify(made.json));
    assert.equal(await roleExists(), true);
    await s.running.app.audit.flush();
    const page = await s.running.app.audit.query(rootAdminCaller, { action: 'iam:CreateRole' }, 0, 1000);
    assert.ok(page.ok);
    // The refused submission is recorded, as the directory records the gate's refusals.
    const jobs = await s.running.app.audit.query(rootAdminCaller, { action: 'training:CreateJob' }, 0, 1000);
    assert.ok(jobs.ok);
    assert.deepEqual(jobs.value.records.map((r) => r.decision), ['Deny', 'Allow']);
    assert.match(String(jobs.value.records[0]?.detail['error']), /audit log cannot be written/);
    assert.equal(page.value.records.filter((r) => r.resource.endsWith(`:role/${ROLE}`) && r.decision === 'ok').length, 1, 'the role made is recorded once');
  });

  it('with the role made already, a default-role job changes no directory: submitted while the gate is closed', async () => {
    db.exec("CREATE TRIGGER gm1_refuse BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit writes refused by the test'); END");
    try {
      await s.iam().send(new CreateUserCommand({ UserName: 'gm1-user2' }));
      assert.equal(await s.running.app.audit.flush(), false);
      const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/jobs', { workspace: 'gm1', role: 'default' });
      assert.equal(r.status, 201, JSON.stringify(r.json));
    } finally {
      db.exec('DROP TRIGGER IF EXISTS gm1_refuse');
    }
    assert.equal(await s.running.app.audit.flush(), true);
  });
});
