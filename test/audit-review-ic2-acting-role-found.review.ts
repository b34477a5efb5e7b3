/**
 * Review ic, 2. A change a role's session made to another role was recorded with that other role alone: a session of
 * `ops` updating the trust policy of `other` is about `other` (review ht, 2 kept that, so `--role other` finds who
 * changed it), and `ops`, the role that acted, was in no field a filter reads (the session ARN names `ops` only in
 * its text, and a role ARN's path cannot be read back from it). `gatehouse audit query --role …:role/ops` and
 * `GET /v1/audit?role=` listed what the sessions of `ops` did to users, workspaces and the role itself, but not what they
 * did to every other role: the very changes (trust policies rewritten, policies attached) an auditor of a role asks for.
 *
 * Now such a record names the role that acted as well, `actingRole` beside `role` (the role changed), and `--role`
 * finds a record by either; a record whose acting role is the role it is about carries `role` alone, as before. The
 * filter lookup keys the acting role too, so the record is found where the lookup covers the log (past its first fill
 * of 4,096 records), and `audit verify` still finds the chain and the lookup intact. On SQLite and on PostgreSQL.
 *
 * Before the fix 2 of 2 tests failed (the PostgreSQL one skipped where PostgreSQL cannot be reached).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand, PutRolePolicyCommand, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { cliAgainst, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

const ACCT = '000000000000';
const OPS = `arn:aws:iam::${ACCT}:role/team/ops`;
const OTHER = `arn:aws:iam::${ACCT}:role/other`;
const SESSION = `arn:aws:sts::${ACCT}:assumed-role/ops/alice`;
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }] });

interface Row {
  readonly action: string;
  readonly role?: string;
  readonly actingRole?: string;
  readonly session?: string;
}

async function actAsOps(s: TestServer): Promise<void> {
  await s.iam().send(new CreateRoleCommand({ RoleName: 'ops', Path: '/team/', AssumeRolePolicyDocument: TRUST }));
  await s.iam().send(new CreateRoleCommand({ RoleName: 'other', AssumeRolePolicyDocument: TRUST }));
  await s.iam().send(new PutRolePolicyCommand({ RoleName: 'ops', PolicyName: 'all', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }) }));
  const a = await s.sts().send(new AssumeRoleCommand({ RoleArn: OPS, RoleSessionName: 'alice' }));
  const ops: Credentials = { accessKeyId: a.Credentials?.AccessKeyId ?? '', secretAccessKey: a.Credentials?.SecretAccessKey ?? '', sessionToken: a.Credentials?.SessionToken ?? '' };
  // The session of `ops` changes `other`, then `ops` itself.
  await s.iam(ops).send(new UpdateAssumeRolePolicyCommand({ RoleName: 'other', PolicyDocument: TRUST }));
  await s.iam(ops).send(new PutRolePolicyCommand({ RoleName: 'ops', PolicyName: 'more', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }) }));
  // Past the lookup's first fill (4,096 records): the records above are found through it.
  for (let i = 0; i < 4_200; i++) s.running.app.audit.record({ kind: 'decision', account: ACCT, principal: `arn:aws:iam::${ACCT}:user/u${i % 7}`, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', decision: 'ImplicitDeny', detail: {} });
  assert.ok(await s.running.app.audit.flush());
}

async function checks(s: TestServer): Promise<void> {
  const byOps = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?role=${encodeURIComponent(OPS)}&kind=change`);
  assert.equal(byOps.status, 200, JSON.stringify(byOps.json));
  const rows = (byOps.json as { records: Row[] }).records.filter((r) => r.session === SESSION);
  assert.deepEqual(rows.map((r) => [r.action, r.role, r.actingRole]), [
    ['iam:UpdateAssumeRolePolicy', OTHER, OPS],
    ['iam:PutRolePolicy', OPS, undefined],
  ], JSON.stringify(byOps.json));
  // The role changed still finds it.
  const byOther = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?role=${encodeURIComponent(OTHER)}&action=iam:UpdateAssumeRolePolicy`);
  assert.deepEqual((byOther.json as { records: Row[] }).records.map((r) => [r.role, r.actingRole, r.session]), [[OTHER, OPS, SESSION]], JSON.stringify(byOther.json));
  const cli = await cliAgainst(s, ['audit', 'query', '--role', OPS, '--action', 'iam:UpdateAssumeRolePolicy', '--json']);
  assert.equal(cli.status, 0, cli.err);
  const lines = cli.out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Row & { resource: string });
  assert.deepEqual(lines.map((l) => [l.resource, l.role, l.actingRole]), [[OTHER, OTHER, OPS]], cli.out + cli.err);
  const verify = await cliAgainst(s, ['audit', 'verify']);
  assert.equal(verify.status, 0, verify.out + verify.err);
}

describe('review ic2: a role session\'s change to another role is found by the acting role (SQLite)', { timeout: 180_000 }, () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    await actAsOps(s);
  });
  after(async () => s?.stop());
  it('--role finds it by the role that acted and by the role changed; verify stays intact', async () => checks(s));
});

const skip = await pgSkip();

describe('review ic2: the same on PostgreSQL', { skip, timeout: 180_000 }, () => {
  const schema = `gh_review_ic2_${process.pid}`;
  let s: TestServer;
  before(async () => {
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    s = await startTestServer({ postgres: { url: PG_URL, schema } });
    await actAsOps(s);
  });
  after(async () => {
    await s?.stop();
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
  });
  it('--role finds it by the role that acted and by the role changed; verify stays intact', async () => checks(s));
});
