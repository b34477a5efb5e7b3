/**
 * Review pe, finding 2: a default-role job reaches "only the workspace's default bucket" (DESIGN.md, seed 1), the
 * bucket a member's job is given for being a member of that workspace. The bucket went into the job's session policy at
 * submission, and every session the job was issued after carried it: a workspace whose default bucket an administrator
 * moved elsewhere (`workspaces put --default-bucket`), or a member an administrator removed from the workspace, left
 * every running default-role job of it with `s3:*` on the old bucket (its objects, its policy, its deletion) for the
 * job's whole life, however often its sessions were refreshed, and even after `sts revoke-sessions --job` (the sessions
 * issued in their place carried the same statement). As review pe, 1 does for the owner's table rights, each session a
 * default-role job is issued now carries the bucket only while it is still the workspace's default bucket and the job's
 * owner still a member of the workspace (never more than at submission: a bucket named since is not added), and the
 * job's `credentials-issued` event says what the session went without, and why.
 *
 * A real server; the job submitted through the admin API as the CLI submits it (no process launched), its sessions from
 * the container endpoint as the SDKs fetch them, decisions through the authorize API as the job's session.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionAs, decisionFor, workspaceUser } from './support/default-role-jobs.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const TABLE = 'acs:odps:*:*:projects/p1/tables/t';

let s: TestServer;
const decision = (who: Credentials, action: string, resource: string) => decisionFor(s, who, action, resource);
const admin = () => connectionAs(s, s.admin);

before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s?.stop();
});

/** A member `name` of workspace `<name>-ws` (default bucket `<name>-data`) allowed to submit and to read project p1, with a default-role job: its id and capability. */
async function memberWithJob(name: string): Promise<{ id: string; capability: string }> {
  const who = await workspaceUser(s, name, async (iam) => {
    await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'submit', PolicyDocument: doc({ Effect: 'Allow', Action: 'training:*', Resource: '*' }, { Effect: 'Allow', Action: 'odps:*', Resource: 'acs:odps:*:*:projects/p1/*' }) }));
  });
  const submitted = await call<{ job: { id: string }; capability: string }>(connectionAs(s, who), 'POST', ['jobs'], { body: { workspace: `${name}-ws`, role: 'default', imds: false } });
  assert.ok(submitted.ok, submitted.ok ? '' : submitted.message);
  return { id: submitted.value.job.id, capability: submitted.value.capability };
}

/** The job's session as its processes read it now, from the container endpoint with the job's capability. */
async function sessionOf(capability: string): Promise<Credentials> {
  const got = await fetch(`${s.running.agentUrl}/v1/container-credentials`, { headers: { authorization: capability } });
  const body = await got.text();
  assert.equal(got.status, 200, body);
  const j = JSON.parse(body) as { AccessKeyId: string; SecretAccessKey: string; Token: string };
  return { accessKeyId: j.AccessKeyId, secretAccessKey: j.SecretAccessKey, sessionToken: j.Token };
}

/** The message of the job's last `credentials-issued` event. */
async function lastIssued(id: string): Promise<string> {
  const events = await call<{ events: { type: string; message: string }[] }>(admin(), 'GET', ['jobs', id, 'events']);
  assert.ok(events.ok, events.ok ? '' : events.message);
  return events.value.events.filter((e) => e.type === 'credentials-issued').at(-1)?.message ?? '';
}

/** Ends the job's sessions (`sts revoke-sessions --job`), so that its next read is issued a new one, and reads it. */
async function nextSession(job: { id: string; capability: string }, before: Credentials): Promise<Credentials> {
  const revoked = await call(admin(), 'POST', ['sts', 'revoke-sessions'], { body: { jobId: job.id } });
  assert.ok(revoked.ok, revoked.ok ? '' : revoked.message);
  const next = await sessionOf(job.capability);
  assert.notEqual(next.accessKeyId, before.accessKeyId, 'a new session was issued in place of the revoked one');
  return next;
}

test('pe2: a workspace\'s default bucket moved elsewhere leaves its running default-role jobs at their next session', async () => {
  const job = await memberWithJob('gail');
  const first = await sessionOf(job.capability);
  assert.equal(await decision(first, 's3:PutObject', 'arn:aws:s3:::gail-data/x'), 'Allow');
  const moved = await call(admin(), 'PUT', ['workspaces', 'gail-ws'], { body: { members: [{ user: 'gail' }], defaultBucket: 'arn:aws:s3:::gail-next' } });
  assert.ok(moved.ok, moved.ok ? '' : moved.message);
  const next = await nextSession(job, first);
  assert.equal(await decision(next, 's3:PutObject', 'arn:aws:s3:::gail-data/x'), 'ImplicitDeny', 'the job writes a bucket that is no longer its workspace\'s');
  assert.equal(await decision(next, 's3:DeleteBucket', 'arn:aws:s3:::gail-data'), 'ImplicitDeny');
  // Never more than at submission: the bucket named since is not added; the owner's table rights stay.
  assert.equal(await decision(next, 's3:PutObject', 'arn:aws:s3:::gail-next/x'), 'ImplicitDeny');
  assert.equal(await decision(next, 'odps:GetTable', TABLE), 'Allow');
  // The job's events say what its session went without, and why.
  assert.match(await lastIssued(job.id), /; without the workspace's bucket arn:aws:s3:::gail-data \(it is no longer the default bucket of workspace gail-ws\)$/);
  assert.ok((await call(admin(), 'POST', ['jobs', job.id, 'stop'])).ok);
});

test('pe2: a member removed from a workspace keeps none of its default bucket through a running default-role job', async () => {
  const job = await memberWithJob('hugo');
  const first = await sessionOf(job.capability);
  assert.equal(await decision(first, 's3:GetObject', 'arn:aws:s3:::hugo-data/x'), 'Allow');
  // hugo is removed; the workspace keeps its bucket for its other members.
  const iam = s.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'ivy' }));
  iam.destroy();
  const removed = await call(admin(), 'PUT', ['workspaces', 'hugo-ws'], { body: { members: [{ user: 'ivy' }], defaultBucket: 'arn:aws:s3:::hugo-data' } });
  assert.ok(removed.ok, removed.ok ? '' : removed.message);
  const next = await nextSession(job, first);
  assert.equal(await decision(next, 's3:GetObject', 'arn:aws:s3:::hugo-data/x'), 'ImplicitDeny', 'a job of a member removed reads the workspace\'s bucket');
  assert.equal(await decision(next, 'odps:GetTable', TABLE), 'Allow', 'its owner\'s own table rights stay');
  assert.match(await lastIssued(job.id), /; without the workspace's bucket arn:aws:s3:::hugo-data \(user hugo is no longer a member of workspace hugo-ws\)$/);
  assert.ok((await call(admin(), 'POST', ['jobs', job.id, 'stop'])).ok);
});
