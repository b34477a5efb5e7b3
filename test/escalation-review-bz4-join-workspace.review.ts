/**
 * Review bz, 4: escalation-paths looked for training-job steps only in workspaces the user already belonged to. A user
 * allowed `iam:PassRole` on a role that trusts the training service and `training:CreateJob`, who is no member of a
 * workspace but may write it (`training:UpdateWorkspace` on it: PUT /v1/workspaces/W of the existing one since review
 * sb, 1, where it asked `training:CreateWorkspace`; apply asks the read besides) or may add itself to a group that is a
 * member (`iam:AddUserToGroup`), joins it
 * and runs a job as the role: the report listed no such step. It now does, with the joining action among the step's
 * actions; not for a user who may not join. The step is then taken for real: the user writes itself into the
 * workspace and its job is given the role. Real server, admin API (SigV4), SDK v3 IAM.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { pathSteps, serviceRole, usersWithKeys, type HowStep } from './support/escalation.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const BIG = `arn:aws:iam::${A}:role/big`;
const WS = `arn:aws:training::${A}:workspace/lab`;
const allow = (Action: string | string[], Resource: string | string[] = '*') => ({ Effect: 'Allow', Action, Resource });

describe('review bz4: joining a workspace to run a job as a role', () => {
  let s: TestServer;
  let keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await serviceRole(iam, 'big', 'training.gatehouse.dev');
    await iam.send(new I.CreateGroupCommand({ GroupName: 'team' }));
    const run = allow(['training:CreateJob', 'iam:PassRole']);
    const users: Record<string, object[]> = {
      member: [run],
      writer: [run, allow('training:UpdateWorkspace', WS)],
      // apply reads the workspace before it writes it (review jb, 17); a PUT needs UpdateWorkspace alone (review sb, 1).
      updater: [run, allow(['training:GetWorkspace', 'training:UpdateWorkspace'], WS)],
      // A PUT of the existing workspace asks UpdateWorkspace, not CreateWorkspace (review sb, 1).
      creator: [run, allow('training:CreateWorkspace', WS)],
      joiner: [run, allow('iam:AddUserToGroup', `arn:aws:iam::${A}:group/team`)],
      outsider: [run],
    };
    keys = await usersWithKeys(iam, users);
    const put = await call(connectionTo(s.url, s.admin), 'PUT', ['workspaces', 'lab'], { body: { members: [{ user: 'member' }, { group: 'team' }] } });
    assert.ok(put.ok, put.ok ? '' : put.message);
  });
  after(() => s?.stop());

  const toBig = (name: string): Promise<readonly HowStep[] | undefined> => pathSteps(s, user(name), BIG);

  it('a member, as before', async () => {
    assert.deepEqual((await toBig('member'))?.map((st) => [st.how, st.actions, st.via]), [['iam:PassRole to a training job', ['iam:PassRole', 'training:CreateJob'], WS]]);
  });

  it('a user who may write the workspace, or join a member group, is listed with the joining action', async () => {
    assert.deepEqual((await toBig('writer'))?.map((st) => [st.how, st.actions, st.via]), [['iam:PassRole to a training job', ['iam:PassRole', 'training:UpdateWorkspace', 'training:CreateJob'], WS]]);
    assert.deepEqual((await toBig('updater'))?.map((st) => st.actions), [['iam:PassRole', 'training:UpdateWorkspace', 'training:CreateJob']]);
    assert.equal(await toBig('creator'), undefined);
    assert.deepEqual((await toBig('joiner'))?.map((st) => st.actions), [['iam:PassRole', 'iam:AddUserToGroup', 'training:CreateJob']]);
    assert.equal(await toBig('outsider'), undefined);
  });

  it('the step is real: refused before, the writer joins and its job runs as the role', async () => {
    const as = connectionTo(s.url, keys['writer'] as Credentials);
    const job = { workspace: 'lab', role: BIG, imds: false };
    const before = await call(as, 'POST', ['jobs'], { body: job });
    assert.equal(before.ok ? 'ok' : before.code, 'AccessDenied');
    const joined = await call(as, 'PUT', ['workspaces', 'lab'], { body: { members: [{ user: 'member' }, { group: 'team' }, { user: 'writer' }] } });
    assert.ok(joined.ok, joined.ok ? '' : joined.message);
    const after = await call<{ roleArn?: string; role?: string }>(as, 'POST', ['jobs'], { body: job });
    assert.ok(after.ok, after.ok ? '' : after.message);
    const created = await call(connectionTo(s.url, keys['creator'] as Credentials), 'PUT', ['workspaces', 'lab'], { body: { members: [{ user: 'creator' }] } });
    assert.equal(created.ok ? 'ok' : created.code, 'AccessDenied', 'CreateWorkspace writes no existing workspace');
  });
});
