/**
 * Review oi, 3: a question to `POST /v1/authorize` about a job's session named by its ARN
 * (`arn:aws:sts::A:assumed-role/R/job-<id>`, decided with what the job gives its sessions: docs/decisions.md "A role
 * session named by ARN") answered 503 ServiceUnavailable while PostgreSQL could not be reached, as soon as the job's
 * record held for it had gone (a second, or any change of the directory or the revocation list): the record was read
 * from the database again, and nothing else served. Issue 7: with PostgreSQL stopped, "decisions and session
 * verification keep working from the compiled state" — and the job's own session kept verifying and being decided (its
 * GetCallerIdentity, its own questions), so a resource server asking about it by ARN was the one refused. The last
 * record read is now kept and decides while the store cannot be read, as the job's credential endpoints serve the job
 * they hold; a job whose sessions were revoked after that read (its end revokes them) is still not decided from it.
 *
 * Before the fix 1 of 2 tests failed.
 *
 * A real server on the test PostgreSQL through a TCP proxy that the test takes down (test/support/pg-outage-jobs.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { pgSkip } from './support/postgres.ts';
import { pgOutageJobsWorld, type PgOutageJobsWorld } from './support/pg-outage-jobs.ts';
import { gatehouseJson } from './support/resource-server.ts';

const skip = await pgSkip();
const ROOT = '000000000000';

describe('review oi3: a question about a job’s session by ARN during a database outage is decided from memory', { skip, timeout: 60_000 }, () => {
  let world: PgOutageJobsWorld;
  let iam: IAMClient;

  const submit = async (): Promise<string> => {
    const submitted = await gatehouseJson(world.running.url, world.admin, 'POST', '/v1/jobs', { workspace: 'oi3', role: `arn:aws:iam::${ROOT}:role/gm6` });
    assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
    return (submitted.json['job'] as { id: string }).id;
  };
  /** The decision of `s3:GetObject` on `bucket` for job `id`'s session named by ARN, or the error's status and code. */
  const decide = async (id: string, bucket: string): Promise<string> => {
    const r = await gatehouseJson(world.running.url, world.admin, 'POST', '/v1/authorize', { principal: `arn:aws:sts::${ROOT}:assumed-role/gm6/job-${id}`, action: 's3:GetObject', resource: `arn:aws:s3:::${bucket}/k` });
    const error = r.json['error'] as { code?: string } | undefined;
    return r.status === 200 ? String(r.json['decision']) : `${r.status} ${error?.code ?? JSON.stringify(r.json)}`;
  };
  /** A change of the directory: every instance lets go of what it resolved before it (`jobSessions`). */
  let changes = 0;
  const change = async (): Promise<void> => {
    await iam.send(new CreateUserCommand({ UserName: `oi3-${changes++}` }));
  };

  before(async () => {
    world = await pgOutageJobsWorld('oi3');
    iam = new IAMClient({ endpoint: world.running.url, region: 'us-east-1', credentials: world.admin, maxAttempts: 1 });
    await iam.send(new PutRolePolicyCommand({ RoleName: 'gm6', PolicyName: 'data', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::oi3-data/*' }] }) }));
    assert.equal((await gatehouseJson(world.running.url, world.admin, 'PUT', '/v1/workspaces/oi3', { members: [{ user: 'admin' }] })).status, 200);
  });
  after(async () => {
    iam?.destroy();
    await world?.close();
  });

  it('a running job’s session, asked about before a change and the outage after it: decided, not 503', async () => {
    const id = await submit();
    assert.equal(await decide(id, 'oi3-data'), 'Allow');
    await change();
    await world.running.app.audit.flush();
    world.takeDown();
    try {
      assert.equal(await decide(id, 'oi3-data'), 'Allow');
      assert.equal(await decide(id, 'oi3-other'), 'ImplicitDeny');
    } finally {
      world.bringUp();
    }
  });

  it('a job stopped after its record was last read is not decided from that record (503, retried)', async () => {
    const id = await submit();
    assert.equal(await decide(id, 'oi3-data'), 'Allow');
    const stopped = await gatehouseJson(world.running.url, world.admin, 'POST', `/v1/jobs/${id}/stop`, {});
    assert.equal(stopped.status, 200, JSON.stringify(stopped.json));
    await world.running.app.audit.flush();
    world.takeDown();
    try {
      assert.equal(await decide(id, 'oi3-data'), '503 ServiceUnavailable');
    } finally {
      world.bringUp();
    }
  });
});
