/**
 * Review oi, 2: a question to `POST /v1/authorize` on a job's ARN (`training:GetJob` on
 * `arn:aws:training::A:job/<id>`, decided on the job's ARN and on its workspace's: docs/decisions.md "A job's actions
 * are decided on the job's ARN, in its workspace") answered 503 ServiceUnavailable while PostgreSQL could not be
 * reached, every time: where the job lives was read from the database for each question. Issue 7: with PostgreSQL
 * stopped, "decisions and session verification keep working from the compiled state"; DESIGN.md "Performance model":
 * "a decision touches no database". A job's place (account, workspace, submitter) is written once at its submission
 * and jobs are never deleted, so it is now held once read, and the question is decided from memory.
 *
 * Before the fix 1 of 2 tests failed.
 *
 * A real server on the test PostgreSQL through a TCP proxy that the test takes down (test/support/pg-outage-jobs.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { pgSkip } from './support/postgres.ts';
import { pgOutageJobsWorld, type PgOutageJobsWorld } from './support/pg-outage-jobs.ts';
import { gatehouseJson } from './support/resource-server.ts';

const skip = await pgSkip();
const ROOT = '000000000000';

describe('review oi2: a question on a job’s ARN during a database outage is decided from memory', { skip, timeout: 60_000 }, () => {
  let world: PgOutageJobsWorld;
  let jobArn = '';

  /** The decision of `action` on the job's ARN for user oi2, or the error's status and code. */
  const decide = async (action: string): Promise<string> => {
    const r = await gatehouseJson(world.running.url, world.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${ROOT}:user/oi2`, action, resource: jobArn });
    const error = r.json['error'] as { code?: string } | undefined;
    return r.status === 200 ? String(r.json['decision']) : `${r.status} ${error?.code ?? JSON.stringify(r.json)}`;
  };

  before(async () => {
    world = await pgOutageJobsWorld('oi2');
    const iam = new IAMClient({ endpoint: world.running.url, region: 'us-east-1', credentials: world.admin, maxAttempts: 1 });
    try {
      await iam.send(new CreateUserCommand({ UserName: 'oi2' }));
      // Allowed on the workspace, denied on nothing: the job's ARN is allowed through the workspace that holds it.
      const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'training:GetJob', Resource: `arn:aws:training::${ROOT}:workspace/oi2` }, { Effect: 'Deny', Action: 'training:StopJob', Resource: `arn:aws:training::${ROOT}:workspace/oi2` }] };
      await iam.send(new PutUserPolicyCommand({ UserName: 'oi2', PolicyName: 'ws', PolicyDocument: JSON.stringify(doc) }));
    } finally {
      iam.destroy();
    }
    assert.equal((await gatehouseJson(world.running.url, world.admin, 'PUT', '/v1/workspaces/oi2', { members: [{ user: 'admin' }] })).status, 200);
    const submitted = await gatehouseJson(world.running.url, world.admin, 'POST', '/v1/jobs', { workspace: 'oi2', role: `arn:aws:iam::${ROOT}:role/gm6` });
    assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
    jobArn = `arn:aws:training::${ROOT}:job/${(submitted.json['job'] as { id: string }).id}`;
  });
  after(async () => {
    await world?.close();
  });

  it('with the database reachable: decided on the job’s workspace', async () => {
    assert.equal(await decide('training:GetJob'), 'Allow');
    assert.equal(await decide('training:StopJob'), 'ExplicitDeny');
  });

  it('with the database out of reach: the same answers, not 503', async () => {
    await world.running.app.audit.flush();
    world.takeDown();
    try {
      assert.equal(await decide('training:GetJob'), 'Allow');
      assert.equal(await decide('training:StopJob'), 'ExplicitDeny');
    } finally {
      world.bringUp();
    }
  });
});
