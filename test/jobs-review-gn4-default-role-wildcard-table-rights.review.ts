/**
 * Review gn, 4: a default-role job gets "table rights equal to the job owner's own" (DESIGN.md, seed 1): its session
 * policy copies the owner's Allows of table actions. Only an Allow naming `odps:`/`tables:` actions was copied, so an
 * owner whose table rights come from `Action: "*"` (`AdministratorAccess`, any administrator's policy) got a job
 * with no table right at all: every table read of the job was refused though its owner may read every table. Now an
 * Allow of `*` is copied as `odps:*` and `tables:*`, on its own resources and conditions, so the job still reaches
 * nothing else: the workspace's default bucket alone of S3, and no other service.
 *
 * A real server; jobs submitted through the admin API as the CLI submits them (no process launched), their session
 * from the container endpoint, decisions through the authorize API as the job's session (test/jobs-review-s3's way).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionAs, decisionFor, defaultRoleJob, workspaceUser } from './support/default-role-jobs.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const TABLE = 'acs:odps:*:*:projects/p/tables/t';

let s: TestServer;
const conn = (c: Credentials) => connectionAs(s, c);
/** A user with `setUp` applied, a member of workspace `<name>-ws` whose default bucket is `<name>-data`. */
const user = (name: string, setUp: (iam: I.IAMClient) => Promise<unknown>) => workspaceUser(s, name, setUp);
const decision = (who: Credentials, action: string, resource: string) => decisionFor(s, who, action, resource);
const defaultJob = (who: Credentials, workspace: string) => defaultRoleJob(s, who, workspace);

before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s?.stop();
});

test('gn4: an owner allowed every action (AdministratorAccess) gets a default-role job with table rights, and nothing more', async () => {
  const ops = await user('ops', (iam) => iam.send(new I.AttachUserPolicyCommand({ UserName: 'ops', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' })));
  assert.equal(await decision(ops, 'odps:GetTable', TABLE), 'Allow');
  const job = await defaultJob(ops, 'ops-ws');
  assert.equal(await decision(job.creds, 'odps:GetTable', TABLE), 'Allow', 'the job of an owner who may read every table reads none');
  assert.equal(await decision(job.creds, 'tables:Query', 'arn:aws:tables:::t'), 'Allow');
  assert.equal(await decision(job.creds, 's3:GetObject', 'arn:aws:s3:::ops-data/x'), 'Allow');
  // The copy is narrowed to the table services: the job reaches no other bucket, and no other service.
  assert.equal(await decision(job.creds, 's3:GetObject', 'arn:aws:s3:::elsewhere/x'), 'ImplicitDeny');
  assert.notEqual(await decision(job.creds, 'iam:CreateUser', 'arn:aws:iam::000000000000:user/x'), 'Allow');
  assert.ok((await call(conn(ops), 'POST', ['jobs', job.id, 'stop'])).ok);
});

test('gn4: an Allow of every action on one project is copied for the table services on that project only', async () => {
  const reader = await user('reader', (iam) =>
    iam.send(new I.PutUserPolicyCommand({ UserName: 'reader', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 'training:CreateJob', Resource: '*' }, { Effect: 'Allow', Action: ['*'], Resource: 'acs:odps:*:*:projects/p/*' }) })),
  );
  const job = await defaultJob(reader, 'reader-ws');
  assert.equal(await decision(job.creds, 'odps:GetTable', TABLE), 'Allow');
  assert.equal(await decision(job.creds, 'odps:GetTable', 'acs:odps:*:*:projects/q/tables/t'), 'ImplicitDeny', 'its owner may not read project q');
  assert.equal(await decision(job.creds, 's3:GetObject', 'arn:aws:s3:::elsewhere/x'), 'ImplicitDeny');
  assert.ok((await call(conn(reader), 'POST', ['jobs', job.id, 'stop'])).ok);
});
