/**
 * Review oi, 5: a question to `POST /v1/authorize` on a workspace (`training:GetWorkspace`, `training:CreateJob` on
 * `arn:aws:training::A:workspace/W`, decided as jobs decide it, with whether the principal is a member: docs/decisions.md
 * "A job's actions are decided on the job's ARN, in its workspace") answered 503 ServiceUnavailable while PostgreSQL
 * could not be reached: the workspace, the user and the user's groups were read from the database for each question.
 * Issue 7: with PostgreSQL stopped, "decisions and session verification keep working from the compiled state";
 * DESIGN.md "Performance model": "a decision touches no database". The workspace is now kept once read until the
 * change head moves (any change, a workspace's included), and the user's groups come from the compiled directory.
 *
 * Before the fix 1 of 2 tests failed.
 *
 * A real server on the test PostgreSQL through a TCP proxy that the test takes down (test/support/pg-outage-jobs.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AddUserToGroupCommand, CreateGroupCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand, RemoveUserFromGroupCommand } from '@aws-sdk/client-iam';
import { pgSkip } from './support/postgres.ts';
import { pgOutageJobsWorld, type PgOutageJobsWorld } from './support/pg-outage-jobs.ts';
import { gatehouseJson } from './support/resource-server.ts';

const skip = await pgSkip();
const ROOT = '000000000000';
const WS = `arn:aws:training::${ROOT}:workspace/oi5`;

describe('review oi5: a question on a workspace during a database outage is decided from memory', { skip, timeout: 60_000 }, () => {
  let world: PgOutageJobsWorld;
  let iam: IAMClient;

  /** The decision of `training:CreateJob` on the workspace for `user`, or the error's status and code. */
  const decide = async (user: string): Promise<string> => {
    const r = await gatehouseJson(world.running.url, world.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${ROOT}:user/${user}`, action: 'training:CreateJob', resource: WS });
    const error = r.json['error'] as { code?: string } | undefined;
    return r.status === 200 ? String(r.json['decision']) : `${r.status} ${error?.code ?? JSON.stringify(r.json)}`;
  };

  before(async () => {
    world = await pgOutageJobsWorld('oi5');
    iam = new IAMClient({ endpoint: world.running.url, region: 'us-east-1', credentials: world.admin, maxAttempts: 1 });
    await iam.send(new CreateGroupCommand({ GroupName: 'Trainers' }));
    for (const u of ['oi5-member', 'oi5-other']) {
      await iam.send(new CreateUserCommand({ UserName: u }));
      // Jobs allow CreateJob on a workspace to its members only, whatever IAM allows besides.
      await iam.send(new PutUserPolicyCommand({ UserName: u, PolicyName: 'jobs', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'training:CreateJob', Resource: '*' }] }) }));
    }
    assert.equal((await gatehouseJson(world.running.url, world.admin, 'PUT', '/v1/workspaces/oi5', { members: [{ group: 'trainers' }] })).status, 200);
  });
  after(async () => {
    iam?.destroy();
    await world?.close();
  });

  it('a change of a group or of the workspace’s members is seen at once by the instance that made it', async () => {
    assert.equal(await decide('oi5-member'), 'ImplicitDeny', 'not in the group yet');
    await iam.send(new AddUserToGroupCommand({ GroupName: 'Trainers', UserName: 'oi5-member' }));
    assert.equal(await decide('oi5-member'), 'Allow', 'in the group');
    await iam.send(new RemoveUserFromGroupCommand({ GroupName: 'Trainers', UserName: 'oi5-member' }));
    assert.equal(await decide('oi5-member'), 'ImplicitDeny', 'out of the group');
    await iam.send(new AddUserToGroupCommand({ GroupName: 'Trainers', UserName: 'oi5-member' }));
    assert.equal(await decide('oi5-member'), 'Allow', 'in the group again');
    assert.equal(await decide('oi5-other'), 'ImplicitDeny');
    // A change of the workspace's members, likewise.
    assert.equal((await gatehouseJson(world.running.url, world.admin, 'PUT', '/v1/workspaces/oi5', { members: [{ user: 'oi5-other' }] })).status, 200);
    assert.equal(await decide('oi5-member'), 'ImplicitDeny', 'the group no longer a member');
    assert.equal(await decide('oi5-other'), 'Allow', 'a member by name');
    assert.equal((await gatehouseJson(world.running.url, world.admin, 'PUT', '/v1/workspaces/oi5', { members: [{ group: 'trainers' }] })).status, 200);
    assert.equal(await decide('oi5-member'), 'Allow');
    assert.equal(await decide('oi5-other'), 'ImplicitDeny');
  });

  it('with the database out of reach: the same answers, not 503', async () => {
    await world.running.app.audit.flush();
    world.takeDown();
    try {
      assert.equal(await decide('oi5-member'), 'Allow');
      assert.equal(await decide('oi5-other'), 'ImplicitDeny');
    } finally {
      world.bringUp();
    }
  });
});
