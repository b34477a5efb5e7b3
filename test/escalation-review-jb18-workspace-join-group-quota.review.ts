/**
 * Review jb, 18: escalation-paths' job steps counted joining a workspace through one of its member groups
 * (`iam:AddUserToGroup`, review bz, 4) whenever the addition was allowed, as its gains did before review jb, 13: a user
 * in ten groups, IAM's quota (LimitExceeded past it), allowed to add itself to the workspace's group, to submit jobs
 * and to pass a role, was reported reaching the role by a path the server refuses. The join is now counted there only
 * with `iam:RemoveUserFromGroup` from one of its groups allowed too, named first. Each is taken for real through the
 * IAM API and the job submission. Before the fix 2 of 2 tests failed. Real server (SQLite), admin API, SDK v3 IAM.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { errorName, startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const group = (n: string) => `arn:aws:iam::${A}:group/${n}`;
const BIG = `arn:aws:iam::${A}:role/big`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const allow = (Action: string | string[], Resource: string | string[] = '*') => ({ Effect: 'Allow', Action, Resource });

describe('review jb18: joining a workspace through its group when the user is in ten groups needs leaving one', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateRoleCommand({ RoleName: 'big', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
    for (let i = 0; i < 10; i++) await iam.send(new I.CreateGroupCommand({ GroupName: `g${i}` }));
    await iam.send(new I.CreateGroupCommand({ GroupName: 'team' }));
    const run = allow(['training:CreateJob', 'iam:PassRole']);
    const join = allow('iam:AddUserToGroup', group('team'));
    keys['eve'] = await userWithPolicy(s, 'eve', doc(run, join));
    keys['fay'] = await userWithPolicy(s, 'fay', doc(run, join, allow('iam:RemoveUserFromGroup', group('g0'))));
    for (const name of ['eve', 'fay']) for (let i = 0; i < 10; i++) await iam.send(new I.AddUserToGroupCommand({ GroupName: `g${i}`, UserName: name }));
    const put = await call(connectionTo(s.url, s.admin), 'PUT', ['workspaces', 'lab'], { body: { members: [{ group: 'team' }] } });
    assert.ok(put.ok, put.ok ? '' : put.message);
  });
  after(() => s?.stop());

  const toBig = async (name: string) => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: user(name) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return (r.json['reports'] as { canBecome: { principal: string; path: { actions: string[] }[] }[] }[])[0]?.canBecome.find((b) => b.principal === BIG)?.path.map((st) => st.actions);
  };

  it('no job step for a user in ten groups that may not leave one; IAM refuses the addition', async () => {
    assert.equal(await toBig('eve'), undefined);
    assert.equal(await errorName(s.iam(keys['eve']).send(new I.AddUserToGroupCommand({ GroupName: 'team', UserName: 'eve' }))), 'LimitExceededException');
  });

  it('with RemoveUserFromGroup, the step names it first; the user leaves, joins and its job runs as the role', async () => {
    assert.deepEqual(await toBig('fay'), [['iam:PassRole', 'iam:RemoveUserFromGroup', 'iam:AddUserToGroup', 'training:CreateJob']]);
    const iam = s.iam(keys['fay']);
    await iam.send(new I.RemoveUserFromGroupCommand({ GroupName: 'g0', UserName: 'fay' }));
    await iam.send(new I.AddUserToGroupCommand({ GroupName: 'team', UserName: 'fay' }));
    const job = await call<{ job: { role: { arn?: string } } }>(connectionTo(s.url, keys['fay'] as Credentials), 'POST', ['jobs'], { body: { workspace: 'lab', role: BIG, imds: false } });
    assert.ok(job.ok, job.ok ? '' : job.message);
    assert.equal(job.value.job.role.arn, BIG);
  });
});
