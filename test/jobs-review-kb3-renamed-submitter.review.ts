/**
 * Review kb, finding 3: a user renamed (`UpdateUser` with `NewUserName` or `NewPath`) lost its own jobs. A job's
 * submitter may always read, list and stop it and revoke its sessions (docs/decisions.md, "the submitter, by ARN and,
 * where the job recorded it, the user's unique id"), and README says "A user renamed keeps its unique id and its
 * jobs": the jobs kept running (their sessions are the submitter's by id), but the submitter was recognised by the ARN
 * it had when it submitted, so after a rename or a move to another path a user allowed only `training:CreateJob` was
 * refused `jobs get`, `jobs stop` and `sts revoke-sessions --job` on its own running job, `jobs list` showed it none,
 * and the authorize API said ImplicitDeny. A job that recorded its submitter's unique id is now its submitter's by that
 * id (a user deleted and made again under the name is still another user: another id); one that did not (a role
 * session's) by ARN, as before.
 *
 * A real server: bob may only submit jobs; he submits one, is moved to `/team/` and renamed `robert`, and acts on it.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { startJobsWorld, type JobsWorld } from './support/jobs-world.ts';

let w: JobsWorld;
let iam: I.IAMClient;
let bob: Connection;
let jobId: string;

before(async () => {
  w = await startJobsWorld('gh-jobs-review-kb3-');
  iam = new I.IAMClient({ endpoint: w.server.url, region: 'us-east-1', credentials: w.adminKeys, maxAttempts: 1 });
  await iam.send(new I.CreateUserCommand({ UserName: 'bob' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'submit', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'training:CreateJob', Resource: '*' }] }) }));
  const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'bob' }))).AccessKey;
  bob = { endpoint: new URL(w.server.url), credentials: { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' }, region: 'us-east-1', credentialsSource: 'test' };
  assert.ok((await call(w.admin, 'PUT', ['workspaces', 'vision'], { body: { members: [{ user: 'alice' }, { user: 'bob' }] } })).ok);
  const r = await call<{ job: { id: string } }>(bob, 'POST', ['jobs'], { body: { workspace: 'vision', role: 'none', imds: false } });
  assert.ok(r.ok, JSON.stringify(r));
  jobId = r.value.job.id;
  assert.ok((await call(bob, 'GET', ['jobs', jobId])).ok, 'the submitter reads its job');
  await iam.send(new I.UpdateUserCommand({ UserName: 'bob', NewPath: '/team/' }));
  await iam.send(new I.UpdateUserCommand({ UserName: 'bob', NewUserName: 'robert' }));
});
after(async () => {
  iam?.destroy();
  await w?.close();
});

test('kb3: the authorize API answers a renamed submitter Allow on its job, as before the rename', async () => {
  for (const action of ['training:GetJob', 'training:StopJob']) {
    const r = await call<{ decision: string }>(w.admin, 'POST', ['authorize'], { body: { principal: 'arn:aws:iam::000000000000:user/team/robert', action, resource: `arn:aws:training::000000000000:job/${jobId}` } });
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.value.decision, 'Allow', `${action}: ${JSON.stringify(r.value)}`);
  }
});

test('kb3: a submitter renamed and moved to another path still reads, lists and stops its job and revokes its sessions', async () => {
  const got = await call<{ id: string; state: string }>(bob, 'GET', ['jobs', jobId]);
  assert.ok(got.ok, `jobs get: ${JSON.stringify(got)}`);
  const listed = await call<{ jobs: { id: string }[] }>(bob, 'GET', ['jobs']);
  assert.ok(listed.ok, JSON.stringify(listed));
  assert.deepEqual(listed.value.jobs.map((j) => j.id), [jobId], 'jobs list shows the submitter its job');
  const revoked = await call(bob, 'POST', ['sts', 'revoke-sessions'], { body: { jobId } });
  assert.ok(revoked.ok, `revoke-sessions --job: ${JSON.stringify(revoked)}`);
  const stopped = await call<{ state: string }>(bob, 'POST', ['jobs', jobId, 'stop']);
  assert.ok(stopped.ok, `jobs stop: ${JSON.stringify(stopped)}`);
  assert.equal(stopped.value.state, 'Stopped');
});
