/**
 * Review tw, 1: a user that is a member of no workspace, allowed to create one (`training:CreateWorkspace`, review jb,
 * 5) or to write an existing one (`training:UpdateWorkspace`, review bz, 4), to submit jobs, and to add itself to a group
 * whose policy allows `iam:PassRole` on a role trusting the training service, runs a job as the role after three calls
 * (AddUserToGroup, PUT /v1/workspaces/W naming itself, POST /v1/jobs); escalation-paths listed no path to the role: the
 * job step was asked with the policies a join or attachment adds only in workspaces the user is already a member of
 * (review tg, 2; docs/decisions.md "Left: the same before … a workspace joined or created in the same path"). A job's
 * role is passed on the submitter's own policies, a group's included (DESIGN.md, jobs; reference/policy-semantics.md
 * §A: a member is decided with its groups' policies). The step now names the join of the group, the workspace's
 * creation (update) and the submission. A user without the group join is still no path. Taken for real: the job
 * refused, the user joins the group and creates the workspace, the job is given the role. Real server (SQLite), SDK v3
 * IAM, admin API.
 *
 * Before the fix 2 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { pathsReport, pathTo, reachedThrough, serviceRole } from './support/escalation.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { iamUserWith, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const BIG = `arn:aws:iam::${A}:role/big`;
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const allow = (Action: string | string[], Resource: string | string[] = '*') => ({ Effect: 'Allow', Action, Resource });

describe('review tw1: a group joined, then a job in a workspace created or joined', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await serviceRole(iam, 'big', 'training.gatehouse.dev');
    await iam.send(new I.CreateGroupCommand({ GroupName: 'passers' }));
    await iam.send(new I.PutGroupPolicyCommand({ GroupName: 'passers', PolicyName: 'pass', PolicyDocument: policy(allow('iam:PassRole', BIG)) }));
    const join = allow('iam:AddUserToGroup', `arn:aws:iam::${A}:group/passers`);
    const submit = allow('training:CreateJob', `arn:aws:training::${A}:workspace/*`);
    const users: Record<string, object[]> = {
      // wes creates a workspace; jon writes the existing `lab`; nat may create one but join no group.
      wes: [join, submit, allow('training:CreateWorkspace', `arn:aws:training::${A}:workspace/*`)],
      jon: [join, submit, allow('training:UpdateWorkspace', `arn:aws:training::${A}:workspace/lab`)],
      nat: [submit, allow('training:CreateWorkspace', `arn:aws:training::${A}:workspace/*`)],
    };
    for (const [name, Statement] of Object.entries(users)) keys[name] = await iamUserWith(iam, name, { Version: '2012-10-17', Statement });
    const put = await call(connectionTo(s.url, s.admin), 'PUT', ['workspaces', 'lab'], { body: { members: [{ user: 'admin' }] } });
    assert.ok(put.ok, JSON.stringify(put));
  });
  after(() => s?.stop());

  it('a group joined, then a workspace created (wes) or written (jon), then the job', async () => {
    assert.deepEqual(pathTo(await pathsReport(s, user('wes')), BIG), ['iam:PassRole+iam:AddUserToGroup+training:CreateWorkspace+training:CreateJob']);
    assert.deepEqual(pathTo(await pathsReport(s, user('jon')), BIG), ['iam:PassRole+iam:AddUserToGroup+training:UpdateWorkspace+training:CreateJob']);
  });

  it('no path without the group join (nat)', async () => {
    assert.equal(pathTo(await pathsReport(s, user('nat')), BIG), undefined);
  });

  it("who-can: big's rights are reached through wes and jon, not nat", async () => {
    const through = await reachedThrough(s, 's3:GetObject', 'arn:aws:s3:::any/k', 'big');
    for (const n of ['wes', 'jon']) assert.ok(through.includes(n), `${n} in ${through.join(', ')}`);
    assert.ok(!through.includes('nat'), through.join(', '));
  });

  it('the step is real: the job refused, wes joins the group, creates the workspace, the job is given the role', async () => {
    const as = connectionTo(s.url, keys['wes'] as Credentials);
    const job = { workspace: 'wes-ws', role: BIG, imds: false };
    const made = await call(as, 'PUT', ['workspaces', 'wes-ws'], { body: { members: [{ user: 'wes' }] } });
    assert.ok(made.ok, JSON.stringify(made));
    const refused = await gatehouseJson(s.url, keys['wes'] as Credentials, 'POST', '/v1/jobs', job);
    assert.equal(refused.status, 403, JSON.stringify(refused.json));
    await s.iam(keys['wes']).send(new I.AddUserToGroupCommand({ GroupName: 'passers', UserName: 'wes' }));
    const created = await gatehouseJson(s.url, keys['wes'] as Credentials, 'POST', '/v1/jobs', job);
    assert.ok(created.status === 200 || created.status === 201, JSON.stringify(created.json));
  });
});
