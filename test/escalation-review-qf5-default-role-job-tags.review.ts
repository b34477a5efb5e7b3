/**
 * Review qf, 5: who-can's `throughDefaultRoleJobs` (review eq, 2) decided the workspace default role by its ARN, with
 * the role's tags alone, and listed no one when that answer was not Allow ("the role may not do it: no session of it
 * may"). A default-role job's session carries session tags, `gatehouse:workspace` (its workspace) and `gatehouse:job`,
 * which enforcement decides it with (`aws:PrincipalTag/gatehouse:workspace`): a default role guarded for jobs alone
 * (`Deny … Null aws:PrincipalTag/gatehouse:workspace true`), or granting a workspace's jobs by that tag, was answered
 * "no one reaches the bucket through a default-role job" while a member's job read it; and a role allowed by its ARN
 * but denying one workspace's jobs by the tag listed that workspace's members, whose jobs are refused. Each workspace's
 * jobs are now decided as the job's session: the role with the job's session tags (its job id unknown: `*`, as
 * escalation-paths' job steps carry it).
 *
 * Before the fix 2 of 3 tests failed.
 *
 * Real server (SQLite), admin API (SigV4), a default-role job's container credentials for enforcement's answer.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const ROLE_NAME = 'GatehouseTrainingDefaultRole';
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('review qf5: who-can decides a default-role job with the job session’s tags', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    for (const [name, ws] of [['carol', 'lab'], ['dave', 'prod']] as const) {
      await iam.send(new I.CreateUserCommand({ UserName: name }));
      await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: policy({ Effect: 'Allow', Action: 'training:CreateJob', Resource: `arn:aws:training::${A}:workspace/${ws}` }) }));
      const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
      keys[name] = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
      const w = await gatehouseJson(s.url, s.admin, 'PUT', `/v1/workspaces/${ws}`, { members: [{ user: name }], defaultBucket: 'arn:aws:s3:::shared' });
      assert.equal(w.status, 200, JSON.stringify(w.json));
    }
    // The first default-role job makes the role; its owner then keeps it to jobs, and out of prod's.
    assert.equal((await asJob('carol', 'lab', 's3:GetObject', 'arn:aws:s3:::shared/x')).decision, 'Allow');
  });
  after(() => s?.stop());

  /** The decision for a default-role job of `who` in `ws`, asked with the job's own credentials. */
  async function asJob(who: string, ws: string, action: string, resource: string): Promise<{ status: number; decision?: unknown }> {
    const j = await gatehouseJson(s.url, keys[who] as Credentials, 'POST', '/v1/jobs', { workspace: ws, role: 'default' });
    if (j.status !== 201) return { status: j.status };
    const env = j.json['environment'] as Record<string, string>;
    const c = (await (await fetch(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', { headers: { authorization: String(j.json['capability']) } })).json()) as { AccessKeyId: string; SecretAccessKey: string; Token: string };
    const a = await gatehouseJson(s.url, { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.Token }, 'POST', '/v1/authorize', { action, resource });
    return { status: a.status, decision: a.json['decision'] };
  }
  const viaJobs = async (): Promise<string[]> => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', { action: 's3:GetObject', resource: 'arn:aws:s3:::shared/x' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return ((r.json['throughDefaultRoleJobs'] ?? []) as { name: string; workspace: string }[]).filter((v) => v.name !== 'admin').map((v) => `${v.name} ${v.workspace.slice(v.workspace.lastIndexOf('/') + 1)}`);
  };
  const putRolePolicy = (...statements: object[]) => s.iam().send(new I.PutRolePolicyCommand({ RoleName: ROLE_NAME, PolicyName: 'qf5', PolicyDocument: policy(...statements) }));

  it('a default role kept to jobs (Deny where gatehouse:workspace is absent): the members whose jobs read the bucket are listed', async () => {
    await putRolePolicy({ Effect: 'Deny', Action: '*', Resource: '*', Condition: { Null: { 'aws:PrincipalTag/gatehouse:workspace': 'true' } } });
    assert.deepEqual(await asJob('carol', 'lab', 's3:GetObject', 'arn:aws:s3:::shared/x'), { status: 200, decision: 'Allow' });
    assert.deepEqual(await asJob('dave', 'prod', 's3:GetObject', 'arn:aws:s3:::shared/x'), { status: 200, decision: 'Allow' });
    // Before the fix: [] (the role by its ARN, untagged, is denied).
    assert.deepEqual(await viaJobs(), ['carol lab', 'dave prod']);
  });

  it('a default role denying one workspace’s jobs by the tag: that workspace’s members are not listed', async () => {
    await putRolePolicy({ Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/gatehouse:workspace': 'prod' } } });
    assert.deepEqual(await asJob('dave', 'prod', 's3:GetObject', 'arn:aws:s3:::shared/x'), { status: 200, decision: 'ExplicitDeny' });
    assert.deepEqual(await asJob('carol', 'lab', 's3:GetObject', 'arn:aws:s3:::shared/x'), { status: 200, decision: 'Allow' });
    // Before the fix: ['carol lab', 'dave prod'] (the role by its ARN is allowed).
    assert.deepEqual(await viaJobs(), ['carol lab']);
  });

  it('a default role with no such condition: listed as before', async () => {
    await s.iam().send(new I.DeleteRolePolicyCommand({ RoleName: ROLE_NAME, PolicyName: 'qf5' }));
    assert.deepEqual(await viaJobs(), ['carol lab', 'dave prod']);
  });
});
