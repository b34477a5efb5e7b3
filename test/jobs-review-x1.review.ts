/**
 * Review X, X1: a user deleted and created again under the same name is another principal (another unique id, as AWS
 * gives it), so the old user's jobs do not run on as the new one. Against a real server (startTestServer, SQLite in a
 * temporary dir) with real clients: `@aws-sdk/client-iam` and `@aws-sdk/client-sts`, the admin REST client the CLI
 * uses (`call`) to submit jobs, and the container credential endpoint as the SDKs fetch it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { errorName, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { connectionTo } from './support/processes.ts';

const ACCT = '000000000000';
const ROLE = (name: string) => `arn:aws:iam::${ACCT}:role/${name}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const GRANT = doc(
  { Effect: 'Allow', Action: ['training:CreateJob', 'training:GetJob', 'training:StopJob'], Resource: '*' },
  { Effect: 'Allow', Action: 'iam:PassRole', Resource: ROLE('trainer'), Condition: { StringEquals: { 'iam:PassedToService': 'training.gatehouse.dev' } } },
);

let s: TestServer;
const conn = (c: Credentials) => connectionTo(s.url, { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}) });

/** Creates user `name` with the job grant and an access key; returns the key and the user's unique id. */
async function createUser(name: string): Promise<{ key: Credentials; id: string }> {
  const iam = s.iam();
  const u = await iam.send(new I.CreateUserCommand({ UserName: name }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: GRANT }));
  const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
  return { key: { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' }, id: u.User?.UserId ?? '' };
}

/** Deletes user `name` as IAM requires: its inline policy and access key first. */
async function deleteUser(name: string, key: Credentials): Promise<void> {
  const iam = s.iam();
  await iam.send(new I.DeleteUserPolicyCommand({ UserName: name, PolicyName: 'p' }));
  await iam.send(new I.DeleteAccessKeyCommand({ UserName: name, AccessKeyId: key.accessKeyId }));
  await iam.send(new I.DeleteUserCommand({ UserName: name }));
}

async function submit(who: Credentials, role: string, workspace = 'uma-ws'): Promise<{ id: string; capability: string }> {
  const r = await call<{ job: { id: string }; capability: string }>(conn(who), 'POST', ['jobs'], { body: { workspace, role, imds: false } });
  assert.ok(r.ok, r.ok ? '' : r.message);
  return { id: r.value.job.id, capability: r.value.capability };
}

/** The job's credentials from its container endpoint, as the SDKs fetch them. */
async function jobCredentials(capability: string): Promise<{ status: number; creds?: Credentials; body: string }> {
  const r = await fetch(`${s.running.agentUrl}/v1/container-credentials`, { headers: { authorization: capability } });
  const body = await r.text();
  if (r.status !== 200) return { status: r.status, body };
  const j = JSON.parse(body) as { AccessKeyId: string; SecretAccessKey: string; Token: string };
  return { status: 200, creds: { accessKeyId: j.AccessKeyId, secretAccessKey: j.SecretAccessKey, sessionToken: j.Token }, body };
}

async function jobState(id: string): Promise<{ state: string; reason?: string }> {
  const j = await call<{ state: string; reason?: string }>(conn(s.admin), 'GET', ['jobs', id]);
  assert.ok(j.ok, j.ok ? '' : j.message);
  return j.value;
}

before(async () => {
  s = await startTestServer();
  await s.iam().send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
});

after(async () => {
  await s?.stop();
});

test('X1: a user deleted and created again under the same name is another principal: the old user\'s jobs are Stopped, their credentials refused', async () => {
  const old = await createUser('uma');
  // The workspace after its member: a member must name a user that exists (review ak, 5).
  const ws = await call(conn(s.admin), 'PUT', ['workspaces', 'uma-ws'], { body: { members: [{ user: 'uma' }], defaultBucket: 'arn:aws:s3:::uma-data' } });
  assert.ok(ws.ok, ws.ok ? '' : ws.message);
  const polled = await submit(old.key, ROLE('trainer'));
  const quiet = await submit(old.key, 'default');
  const first = await jobCredentials(polled.capability);
  assert.equal(first.status, 200, first.body);
  const session = first.creds as Credentials;
  assert.equal(await errorName(s.sts(session).send(new GetCallerIdentityCommand({}))), 'no error');

  // Deleted and created again at once (before a sweep can see the name missing): the same name, a new unique id.
  await deleteUser('uma', old.key);
  const again = await createUser('uma');
  assert.notEqual(again.id, old.id, 'the re-created user has the old unique id');

  // The polled job: no credentials from its capability, its session refused, Stopped saying why.
  const after = await jobCredentials(polled.capability);
  assert.equal(after.status, 410, after.status === 200 ? 'the old user\'s job got credentials as the re-created user' : after.body);
  assert.deepEqual(JSON.parse(after.body), { Code: 'JobEnded', Message: `job ${polled.id} has ended` });
  assert.equal(await errorName(s.sts(session).send(new GetCallerIdentityCommand({}))), 'ExpiredToken');
  const p = await jobState(polled.id);
  assert.equal(p.state, 'Stopped');
  assert.match(p.reason ?? '', /^its submitter, user uma, was deleted/, JSON.stringify(p));

  // The job nobody polls ends too, by the sweep (every 5 s on the test server).
  const until = Date.now() + 15_000;
  for (;;) {
    const q = await jobState(quiet.id);
    if (q.state === 'Stopped') {
      assert.match(q.reason ?? '', /^its submitter, user uma, was deleted/, JSON.stringify(q));
      break;
    }
    assert.ok(Date.now() < until, `job ${quiet.id} of the deleted user is still ${q.state} under the re-created user`);
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.equal((await jobCredentials(quiet.capability)).status, 410, 'credentials were served');

  // The re-created user's own jobs run (deleting the user took the name out of the workspace: it is named again).
  const put = await call(conn(s.admin), 'PUT', ['workspaces', 'uma-ws'], { body: { members: [{ user: 'uma' }], defaultBucket: 'arn:aws:s3:::uma-data' } });
  assert.ok(put.ok, put.ok ? '' : put.message);
  const fresh = await submit(again.key, ROLE('trainer'));
  assert.equal((await jobCredentials(fresh.capability)).status, 200);
  assert.equal((await jobState(fresh.id)).state !== 'Stopped', true);
  assert.ok((await call(conn(again.key), 'POST', ['jobs', fresh.id, 'stop'])).ok);
});

test('X1b: the user created again under a deleted submitter\'s name is not the owner of the old jobs: reading, listing and stopping them need the rights anyone else needs', async () => {
  const only = doc(
    { Effect: 'Allow', Action: 'training:CreateJob', Resource: '*' },
    { Effect: 'Allow', Action: 'iam:PassRole', Resource: ROLE('trainer'), Condition: { StringEquals: { 'iam:PassedToService': 'training.gatehouse.dev' } } },
  );
  const iam = s.iam();
  const create = async (): Promise<Credentials> => {
    await iam.send(new I.CreateUserCommand({ UserName: 'olga' }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'olga', PolicyName: 'p', PolicyDocument: only }));
    const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'olga' }))).AccessKey;
    const put = await call(conn(s.admin), 'PUT', ['workspaces', 'olga-ws'], { body: { members: [{ user: 'olga' }] } });
    assert.ok(put.ok, put.ok ? '' : put.message);
    return { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
  };
  const old = await create();
  const r = await call<{ job: { id: string } }>(conn(old), 'POST', ['jobs'], { body: { workspace: 'olga-ws', role: ROLE('trainer'), imds: false } });
  assert.ok(r.ok, r.ok ? '' : r.message);
  const id = r.value.job.id;
  // Its submitter reads it with no grant to: the owner.
  assert.ok((await call(conn(old), 'GET', ['jobs', id])).ok);

  await deleteUser('olga', old);
  const again = await create();
  const got = await call(conn(again), 'GET', ['jobs', id]);
  assert.ok(!got.ok && got.httpStatus === 403, got.ok ? 'the re-created user read the old user\'s job as its owner' : got.message);
  const listed = await call<{ jobs: { id: string }[] }>(conn(again), 'GET', ['jobs']);
  assert.ok(listed.ok, listed.ok ? '' : listed.message);
  assert.deepEqual(listed.value.jobs.map((j) => j.id), [], 'the re-created user lists the old user\'s job');
  const stop = await call(conn(again), 'POST', ['jobs', id, 'stop']);
  assert.ok(!stop.ok && stop.httpStatus === 403, stop.ok ? 'the re-created user stopped the old user\'s job' : stop.message);
  const revoked = await call(conn(again), 'POST', ['sts', 'revoke-sessions'], { body: { jobId: id } });
  assert.ok(!revoked.ok && revoked.httpStatus === 403, revoked.ok ? 'the re-created user revoked the old user\'s job sessions as its owner' : revoked.message);
  // The re-created user's own job is theirs.
  const mine = await call<{ job: { id: string } }>(conn(again), 'POST', ['jobs'], { body: { workspace: 'olga-ws', role: ROLE('trainer'), imds: false } });
  assert.ok(mine.ok, mine.ok ? '' : mine.message);
  assert.ok((await call(conn(again), 'GET', ['jobs', mine.value.job.id])).ok);
  assert.ok((await call(conn(again), 'POST', ['jobs', mine.value.job.id, 'stop'])).ok);
});

test('X1c: a user renamed (UpdateUser NewUserName keeps the unique id) keeps its jobs: credentials served, sessions working, not Stopped by the sweep', async () => {
  const rena = await createUser('rena');
  const put = await call(conn(s.admin), 'PUT', ['workspaces', 'rena-ws'], { body: { members: [{ user: 'rena' }], defaultBucket: 'arn:aws:s3:::uma-data' } });
  assert.ok(put.ok, put.ok ? '' : put.message);
  const custom = await submit(rena.key, ROLE('trainer'), 'rena-ws');
  const byDefault = await submit(rena.key, 'default', 'rena-ws');
  await s.iam().send(new I.UpdateUserCommand({ UserName: 'rena', NewUserName: 'rena2' }));
  // Past a sweep (every 5 s on the test server), both still run and their sessions work.
  await new Promise((r) => setTimeout(r, 6_000));
  for (const job of [custom, byDefault]) {
    const c = await jobCredentials(job.capability);
    assert.equal(c.status, 200, `job ${job.id} of the renamed user: ${c.body}`);
    assert.equal(await errorName(s.sts(c.creds as Credentials).send(new GetCallerIdentityCommand({}))), 'no error', `job ${job.id}'s session`);
    assert.notEqual((await jobState(job.id)).state, 'Stopped', `job ${job.id} of the renamed user was stopped: ${JSON.stringify(await jobState(job.id))}`);
  }
});
