/**
 * Review S, S3: a default-role job's session policy never gives the job table rights its owner does not have. Against
 * a real server (startTestServer) with real clients: `@aws-sdk/client-iam` to set up the owners, and the admin REST
 * client the CLI uses (`call`) to submit jobs and to ask the authorize API, as the owner and as the job's session
 * (its credentials from the container endpoint, as the SDKs fetch them).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionAs, decisionFor, defaultRoleJob, workspaceUser } from './support/default-role-jobs.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const SECRET = 'acs:odps:*:*:projects/secret/tables/salaries';
const JOBS = { Effect: 'Allow', Action: ['training:CreateJob', 'training:Get*', 'training:List*', 'training:StopJob'], Resource: '*' };

let s: TestServer;
const conn = (c: Credentials) => connectionAs(s, c);
/** A user with the inline policies given (name → statements), a member of the workspace `<name>-ws`. */
const user = (name: string, inline: Record<string, object[]>) =>
  workspaceUser(s, name, async (iam) => {
    for (const [policy, statements] of Object.entries(inline)) await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: policy, PolicyDocument: doc(...statements) }));
  });
const decision = (who: Credentials, action: string, resource: string) => decisionFor(s, who, action, resource);
/** Submits a default-role job as `who` (no process is launched) and returns its session's credentials and its id. */
const defaultJob = (who: Credentials, workspace: string) => defaultRoleJob(s, who, workspace);

before(async () => {
  s = await startTestServer();
});

after(async () => {
  await s?.stop();
});

test('S3a: the owner\'s guardrail Deny with Action "*" (and a group\'s NotAction Deny) reaches the default-role job', async () => {
  const bob = await user('bob', {
    bob: [JOBS],
    tables: [{ Effect: 'Allow', Action: 'odps:*', Resource: '*' }],
    guardrail: [{ Sid: 'NoSecretProject', Effect: 'Deny', Action: '*', Resource: 'acs:odps:*:*:projects/secret/*' }],
  });
  const iam = s.iam();
  await iam.send(new I.CreateGroupCommand({ GroupName: 'no-drop' }));
  await iam.send(new I.PutGroupPolicyCommand({ GroupName: 'no-drop', PolicyName: 'g', PolicyDocument: doc({ Effect: 'Deny', NotAction: ['s3:*', 'sts:*', 'training:*', 'odps:Read'], Resource: 'acs:odps:*:*:projects/shared/*' }) }));
  await iam.send(new I.AddUserToGroupCommand({ GroupName: 'no-drop', UserName: 'bob' }));
  assert.equal(await decision(bob, 'odps:Read', SECRET), 'ExplicitDeny');
  assert.equal(await decision(bob, 'odps:DropTable', 'acs:odps:*:*:projects/shared/tables/t'), 'ExplicitDeny');
  const job = await defaultJob(bob, 'bob-ws');
  assert.equal(await decision(job.creds, 'odps:Read', SECRET), 'ExplicitDeny', 'the job reads a table its owner is denied');
  assert.equal(await decision(job.creds, 'odps:DropTable', 'acs:odps:*:*:projects/shared/tables/t'), 'ExplicitDeny', 'the job escapes a group NotAction Deny');
  // What the owner may do, the job still may: his table Allow and the workspace bucket.
  assert.equal(await decision(job.creds, 'odps:Read', 'acs:odps:*:*:projects/open/tables/t'), 'Allow');
  assert.equal(await decision(job.creds, 's3:GetObject', 'arn:aws:s3:::bob-data/x'), 'Allow');
  assert.ok((await call(conn(bob), 'POST', ['jobs', job.id, 'stop'])).ok);
});

test('S3b: an owner whose permissions boundary does not allow odps:* gets a default-role job without table rights', async () => {
  const iam = s.iam();
  const boundary = await iam.send(new I.CreatePolicyCommand({ PolicyName: 'no-tables-boundary', PolicyDocument: doc({ Effect: 'Allow', Action: ['training:*', 's3:*', 'sts:*'], Resource: '*' }) }));
  const carl = await user('carl', { carl: [JOBS], tables: [{ Effect: 'Allow', Action: 'odps:*', Resource: '*' }] });
  await iam.send(new I.PutUserPermissionsBoundaryCommand({ UserName: 'carl', PermissionsBoundary: boundary.Policy?.Arn }));
  assert.equal(await decision(carl, 'odps:Read', SECRET), 'ImplicitDeny');
  const job = await defaultJob(carl, 'carl-ws');
  assert.notEqual(await decision(job.creds, 'odps:Read', SECRET), 'Allow', 'the job reads a table its owner\'s boundary does not allow');
  assert.equal(await decision(job.creds, 's3:GetObject', 'arn:aws:s3:::carl-data/x'), 'Allow');
  assert.ok((await call(conn(carl), 'POST', ['jobs', job.id, 'stop'])).ok);
});

test('S3c: over the 2,048-character cap, the owner\'s table Allows are dropped, never a Deny; Denies that do not fit refuse the submit', async () => {
  const iam = s.iam();
  const projects = Array.from({ length: 60 }, (_, i) => `acs:odps:*:*:projects/team-project-${String(i).padStart(4, '0')}/*`);
  const team = await iam.send(new I.CreatePolicyCommand({ PolicyName: 'team-tables', PolicyDocument: doc({ Effect: 'Allow', Action: 'odps:Read', Resource: '*' }, { Effect: 'Allow', Action: 'odps:*', Resource: projects }) }));
  const dana = await user('dana', { dana: [JOBS], guard: [{ Sid: 'NeverSecret', Effect: 'Deny', Action: 'odps:*', Resource: 'acs:odps:*:*:projects/secret/*' }] });
  await iam.send(new I.AttachUserPolicyCommand({ UserName: 'dana', PolicyArn: team.Policy?.Arn }));
  assert.equal(await decision(dana, 'odps:Read', SECRET), 'ExplicitDeny');
  const job = await defaultJob(dana, 'dana-ws');
  assert.equal(await decision(job.creds, 'odps:Read', SECRET), 'ExplicitDeny', 'the cap cut the owner\'s Deny');
  assert.ok((await call(conn(dana), 'POST', ['jobs', job.id, 'stop'])).ok);

  // Denies alone over the cap: the submit is refused, naming the cap.
  const many = Array.from({ length: 80 }, (_, i) => `acs:odps:*:*:projects/secret-${String(i).padStart(4, '0')}/*`);
  const guard = await iam.send(new I.CreatePolicyCommand({ PolicyName: 'many-guards', PolicyDocument: doc({ Effect: 'Deny', Action: 'odps:*', Resource: many }) }));
  const erin = await user('erin', { erin: [JOBS] });
  await iam.send(new I.AttachUserPolicyCommand({ UserName: 'erin', PolicyArn: guard.Policy?.Arn }));
  const r = await call(conn(erin), 'POST', ['jobs'], { body: { workspace: 'erin-ws', role: 'default', imds: false } });
  assert.ok(!r.ok, 'a default-role job ran without its owner\'s Denies');
  assert.match(r.message, /2048-character cap.*Deny statement/, r.message);
});
