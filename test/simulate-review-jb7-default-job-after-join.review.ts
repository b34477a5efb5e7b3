/**
 * Review jb, 7: who-can's `throughDefaultRoleJobs` (review eq, 2) listed the users who reach a workspace's default
 * bucket through a job of the workspace default role only among its members. `--role default` needs no PassRole, only
 * membership and `training:CreateJob`, and a user that is no member but may make itself one — add itself to a member
 * group (`iam:AddUserToGroup`), or write the workspace (`training:UpdateWorkspace`, since review sb, 1: `PUT
 * /v1/workspaces/W` keeping its default bucket) — submits that job all the same and reads the bucket. Asked who can read the bucket, who-can
 * answered without them (escalation-paths' job steps count such joins since review bz, 4). They are now listed, with
 * the action by which they join (`join`, printed by the CLI as `iam:AddUserToGroup then training:CreateJob --role
 * default`); not a user that may not join. Checked against enforcement: the joiner adds itself to the group, submits
 * a default-role job and its session reads the object; the other's submission is refused. Before the fix 2 of 3 tests
 * failed. Real server (SQLite), admin API (SigV4), SDK v3 IAM, a job's container credentials, the CLI in process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionAs, defaultRoleJob, decisionFor } from './support/default-role-jobs.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const WS = `arn:aws:training::${A}:workspace/lab`;
const OBJECT = 'arn:aws:s3:::lab-data/model.bin';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const allow = (Action: string | string[], Resource: string | string[] = '*') => ({ Effect: 'Allow', Action, Resource });

interface ViaJob {
  readonly name: string;
  readonly workspace: string;
  readonly join?: string;
}

describe('review jb7: who-can lists who reaches a default bucket by joining the workspace and running a default-role job', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    await s.iam().send(new I.CreateGroupCommand({ GroupName: 'team' }));
    keys['member'] = await userWithPolicy(s, 'member', doc(allow('training:CreateJob')));
    keys['joiner'] = await userWithPolicy(s, 'joiner', doc(allow('training:CreateJob'), allow('iam:AddUserToGroup', `arn:aws:iam::${A}:group/team`)));
    keys['writer'] = await userWithPolicy(s, 'writer', doc(allow('training:CreateJob'), allow('training:UpdateWorkspace', WS)));
    keys['outsider'] = await userWithPolicy(s, 'outsider', doc(allow('training:CreateJob')));
    const put = await call(connectionAs(s, s.admin), 'PUT', ['workspaces', 'lab'], { body: { members: [{ user: 'member' }, { group: 'team' }], defaultBucket: 'arn:aws:s3:::lab-data' } });
    assert.ok(put.ok, put.ok ? '' : put.message);
  });
  after(() => s?.stop());

  it('who-can lists the member, and the users that may join, each with how; not the outsider', async () => {
    const w = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', { action: 's3:GetObject', resource: OBJECT });
    assert.equal(w.status, 200, JSON.stringify(w.json));
    const jobs = (w.json['throughDefaultRoleJobs'] as ViaJob[]).map((j) => [j.name, j.workspace, j.join]).sort();
    // The admin too: it may write the workspace (it reads the bucket anyway).
    assert.deepEqual(jobs, [
      ['admin', WS, 'training:UpdateWorkspace'],
      ['joiner', WS, 'iam:AddUserToGroup'],
      ['member', WS, undefined],
      ['writer', WS, 'training:UpdateWorkspace'],
    ]);
  });

  it('the CLI prints the join before the submission', async () => {
    const cli = await cliAgainst(s, ['who-can', '--action', 's3:GetObject', '--resource', OBJECT]);
    assert.equal(cli.status, 0, cli.err);
    assert.match(cli.out, /joiner .*-\(iam:AddUserToGroup then training:CreateJob --role default in workspace\/lab\)->/);
  });

  it('the path is real: the joiner joins, its default-role job reads the object; the outsider is refused', async () => {
    const joiner = keys['joiner'] as Credentials;
    const before = await call(connectionAs(s, joiner), 'POST', ['jobs'], { body: { workspace: 'lab', role: 'default', imds: false } });
    assert.equal(before.ok ? 'ok' : before.code, 'AccessDenied');
    await s.iam(joiner).send(new I.AddUserToGroupCommand({ GroupName: 'team', UserName: 'joiner' }));
    const job = await defaultRoleJob(s, joiner, 'lab');
    assert.equal(await decisionFor(s, job.creds, 's3:GetObject', OBJECT), 'Allow');
    const outsider = await call(connectionAs(s, keys['outsider'] as Credentials), 'POST', ['jobs'], { body: { workspace: 'lab', role: 'default', imds: false } });
    assert.equal(outsider.ok ? 'ok' : outsider.code, 'AccessDenied');
  });
});
