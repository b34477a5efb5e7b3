/**
 * Review ht, 2: what a role's sessions changed could not be found by the role. `gatehouse audit query --role ARN` and
 * `GET /v1/audit?role=` answer "what did this role do" for the decisions its sessions were given (the authorize API and
 * the Kubernetes webhook record the acting role, "so that audit query --role finds what the role's sessions did"), but
 * every change a session made — IAM API changes, workspaces, revocations, jobs it ran without a role of their own — was
 * recorded with the session's ARN and no role: `--role arn:aws:iam::…:role/ops` listed the sessions of `ops` and not one
 * of the users they created or the sessions they revoked. The auditor's "who did what, with which role" had no answer
 * short of reading every record. Now every record of what a caller did (`actorOf`) names the role its session acts in,
 * beside the session; a record about another role (a change to a role, a job's or a session's role) still names that
 * role, as before.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand, CreateUserCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { cliAgainst, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const OPS = 'arn:aws:iam::000000000000:role/ops';
const SESSION = 'arn:aws:sts::000000000000:assumed-role/ops/alice';

describe('review ht2: changes made through a role session are found by the role', () => {
  let s: TestServer;
  let ops: Credentials;
  before(async () => {
    s = await startTestServer();
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] });
    await s.iam().send(new CreateRoleCommand({ RoleName: 'ops', AssumeRolePolicyDocument: trust }));
    await s.iam().send(new CreateRoleCommand({ RoleName: 'other', AssumeRolePolicyDocument: trust }));
    await s.iam().send(new PutRolePolicyCommand({ RoleName: 'ops', PolicyName: 'all', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }) }));
    const a = await s.sts().send(new AssumeRoleCommand({ RoleArn: OPS, RoleSessionName: 'alice' }));
    ops = { accessKeyId: a.Credentials?.AccessKeyId ?? '', secretAccessKey: a.Credentials?.SecretAccessKey ?? '', sessionToken: a.Credentials?.SessionToken ?? '' };
    await s.iam(ops).send(new CreateUserCommand({ UserName: 'made-by-ops' }));
    const ws = await gatehouseJson(s.url, ops, 'PUT', '/v1/workspaces/ht2', { members: [] });
    assert.equal(ws.status, 200, JSON.stringify(ws.json));
    // A change to another role keeps naming that role (found by `--role` of the role changed).
    await s.iam(ops).send(new PutRolePolicyCommand({ RoleName: 'other', PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }) }));
    await s.running.app.audit.flush();
  });
  after(async () => s?.stop());

  it('GET /v1/audit?role= lists the changes the role\'s sessions made, each with the session', async () => {
    const r = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?role=${encodeURIComponent(OPS)}&kind=change`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const records = (r.json as { records: { action: string; session?: string; role?: string; principal: string }[] }).records;
    const bySession = records.filter((x) => x.session === SESSION);
    // The change to `other` too, by the role that acted (`actingRole`, review ic, 2).
    assert.deepEqual(bySession.map((x) => x.action), ['iam:CreateUser', 'training:CreateWorkspace', 'iam:PutRolePolicy'], JSON.stringify(records));
    for (const x of bySession) assert.equal(x.principal, SESSION);
    // The change to `other` is about `other`.
    const other = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?role=${encodeURIComponent('arn:aws:iam::000000000000:role/other')}&action=iam:PutRolePolicy`);
    const changed = (other.json as { records: { session?: string }[] }).records;
    assert.equal(changed.length, 1, JSON.stringify(other.json));
    assert.equal(changed[0]?.session, SESSION);
  });

  it('audit query --role finds the user the role\'s session created', async () => {
    const r = await cliAgainst(s, ['audit', 'query', '--role', OPS, '--action', 'iam:CreateUser', '--json']);
    assert.equal(r.status, 0, r.err);
    const lines = r.out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { resource: string; role?: string });
    assert.equal(lines.length, 1, r.out + r.err);
    assert.equal(lines[0]?.resource, 'arn:aws:iam::000000000000:user/made-by-ops');
    assert.equal(lines[0]?.role, OPS);
  });
});
