/**
 * Review pe, finding 1: a default-role job has "table rights equal to the job owner's own" (DESIGN.md, seed 1;
 * shared/issues 5 "tables with exactly the permissions the job owner has on them"). Its session policy copies the
 * owner's table Allows once, at submission, and every session the job was issued after that carried the copy: an
 * administrator who took a table right away from the owner (deleted the policy, detached it, removed the user from the
 * group granting it) left it to every running default-role job of that owner for the job's whole life, however often
 * its sessions were refreshed, and even after `sts revoke-sessions --job` (the sessions issued in their place carried
 * the same copy). Only the owner's Denies were read again (review X, X2). Now each session a default-role job is issued
 * carries, of the table Allows copied at submission, only those the owner still holds now (never more than at
 * submission, never more than now): a right withdrawn leaves the job at its next session (the next refresh, or at once
 * with `sts revoke-sessions --job`); one still held, and the workspace's default bucket, stay.
 *
 * A real server; the job submitted through the admin API as the CLI submits it (no process launched), its sessions from
 * the container endpoint as the SDKs fetch them, decisions through the authorize API as the job's session.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionAs, decisionFor, workspaceUser } from './support/default-role-jobs.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const P1 = 'acs:odps:*:*:projects/p1/tables/t';
const P2 = 'acs:odps:*:*:projects/p2/tables/t';

let s: TestServer;
const decision = (who: Credentials, action: string, resource: string) => decisionFor(s, who, action, resource);

before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s?.stop();
});

/** The job's session as its processes read it now, from the container endpoint with the job's capability. */
async function sessionOf(capability: string): Promise<Credentials> {
  const got = await fetch(`${s.running.agentUrl}/v1/container-credentials`, { headers: { authorization: capability } });
  const body = await got.text();
  assert.equal(got.status, 200, body);
  const j = JSON.parse(body) as { AccessKeyId: string; SecretAccessKey: string; Token: string };
  return { accessKeyId: j.AccessKeyId, secretAccessKey: j.SecretAccessKey, sessionToken: j.Token };
}

test('pe1: a table right taken from the owner leaves its default-role job at the job\'s next session; one kept stays', async () => {
  const dana = await workspaceUser(s, 'dana', async (iam) => {
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'dana', PolicyName: 'submit', PolicyDocument: doc({ Effect: 'Allow', Action: 'training:*', Resource: '*' }) }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'dana', PolicyName: 'p1', PolicyDocument: doc({ Effect: 'Allow', Action: 'odps:*', Resource: 'acs:odps:*:*:projects/p1/*' }) }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'dana', PolicyName: 'p2', PolicyDocument: doc({ Effect: 'Allow', Action: 'odps:*', Resource: 'acs:odps:*:*:projects/p2/*' }) }));
  });
  const submitted = await call<{ job: { id: string }; capability: string }>(connectionAs(s, dana), 'POST', ['jobs'], { body: { workspace: 'dana-ws', role: 'default', imds: false } });
  assert.ok(submitted.ok, submitted.ok ? '' : submitted.message);
  const { id } = submitted.value.job;
  const first = await sessionOf(submitted.value.capability);
  assert.equal(await decision(first, 'odps:GetTable', P1), 'Allow');
  assert.equal(await decision(first, 'odps:GetTable', P2), 'Allow');

  // The administrator takes project p1 from dana, and ends the job's sessions so that it is issued new ones now.
  const iam = s.iam();
  await iam.send(new I.DeleteUserPolicyCommand({ UserName: 'dana', PolicyName: 'p1' }));
  iam.destroy();
  assert.equal(await decision(dana, 'odps:GetTable', P1), 'ImplicitDeny', 'dana may no longer read p1');
  const revoked = await call(connectionAs(s, s.admin), 'POST', ['sts', 'revoke-sessions'], { body: { jobId: id } });
  assert.ok(revoked.ok, revoked.ok ? '' : revoked.message);

  const next = await sessionOf(submitted.value.capability);
  assert.notEqual(next.accessKeyId, first.accessKeyId, 'a new session was issued in place of the revoked one');
  assert.equal(await decision(next, 'odps:GetTable', P1), 'ImplicitDeny', 'the job reads a project its owner may no longer read');
  // What the owner still holds, and the workspace's default bucket, stay; nothing else is opened.
  assert.equal(await decision(next, 'odps:GetTable', P2), 'Allow');
  assert.equal(await decision(next, 's3:GetObject', 'arn:aws:s3:::dana-data/x'), 'Allow');
  assert.equal(await decision(next, 's3:GetObject', 'arn:aws:s3:::elsewhere/x'), 'ImplicitDeny');
  assert.ok((await call(connectionAs(s, dana), 'POST', ['jobs', id, 'stop'])).ok);
});

test('pe1: a table right the owner gains after submission does not reach the job', async () => {
  const erin = await workspaceUser(s, 'erin', async (iam) => {
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'erin', PolicyName: 'submit', PolicyDocument: doc({ Effect: 'Allow', Action: 'training:*', Resource: '*' }) }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'erin', PolicyName: 'p1', PolicyDocument: doc({ Effect: 'Allow', Action: 'odps:*', Resource: 'acs:odps:*:*:projects/p1/*' }) }));
  });
  const submitted = await call<{ job: { id: string }; capability: string }>(connectionAs(s, erin), 'POST', ['jobs'], { body: { workspace: 'erin-ws', role: 'default', imds: false } });
  assert.ok(submitted.ok, submitted.ok ? '' : submitted.message);
  const iam = s.iam();
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'erin', PolicyName: 'p2', PolicyDocument: doc({ Effect: 'Allow', Action: 'odps:*', Resource: 'acs:odps:*:*:projects/p2/*' }) }));
  iam.destroy();
  assert.ok((await call(connectionAs(s, s.admin), 'POST', ['sts', 'revoke-sessions'], { body: { jobId: submitted.value.job.id } })).ok);
  const next = await sessionOf(submitted.value.capability);
  assert.equal(await decision(next, 'odps:GetTable', P1), 'Allow');
  assert.equal(await decision(next, 'odps:GetTable', P2), 'ImplicitDeny', 'a job carries at most the rights its owner had at submission');
  assert.ok((await call(connectionAs(s, erin), 'POST', ['jobs', submitted.value.job.id, 'stop'])).ok);
});

test('pe1: the authorize API asked about a default-role job\'s session by its ARN answers with the owner\'s rights as they are now', async () => {
  const finn = await workspaceUser(s, 'finn', async (iam) => {
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'finn', PolicyName: 'submit', PolicyDocument: doc({ Effect: 'Allow', Action: 'training:*', Resource: '*' }) }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'finn', PolicyName: 'p1', PolicyDocument: doc({ Effect: 'Allow', Action: 'odps:*', Resource: 'acs:odps:*:*:projects/p1/*' }) }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'finn', PolicyName: 'p2', PolicyDocument: doc({ Effect: 'Allow', Action: 'odps:*', Resource: 'acs:odps:*:*:projects/p2/*' }) }));
  });
  const submitted = await call<{ job: { id: string } }>(connectionAs(s, finn), 'POST', ['jobs'], { body: { workspace: 'finn-ws', role: 'default', imds: false } });
  assert.ok(submitted.ok, submitted.ok ? '' : submitted.message);
  const iam = s.iam();
  await iam.send(new I.DeleteUserPolicyCommand({ UserName: 'finn', PolicyName: 'p1' }));
  iam.destroy();
  const principal = `arn:aws:sts::000000000000:assumed-role/GatehouseTrainingDefaultRole/job-${submitted.value.job.id}`;
  for (const [resource, expected] of [[P1, 'ImplicitDeny'], [P2, 'Allow']] as const) {
    const asked = await call<{ decision: string }>(connectionAs(s, s.admin), 'POST', ['authorize'], { body: { principal, action: 'odps:GetTable', resource } });
    assert.ok(asked.ok, asked.ok ? '' : asked.message);
    assert.equal(asked.value.decision, expected, `${principal} on ${resource}: ${JSON.stringify(asked.value)}`);
  }
  assert.ok((await call(connectionAs(s, finn), 'POST', ['jobs', submitted.value.job.id, 'stop'])).ok);
});
