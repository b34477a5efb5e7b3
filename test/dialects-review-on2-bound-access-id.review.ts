/**
 * Dialects review on, finding 2: a default-role job carries its submitter's table Denies bound to the submitter
 * (review X, X2; src/core/iam/bind-principal.ts): "an entry on another key that describes the principal or its
 * credentials … is dropped", so that the copy denies the job what it denied the user, binding more, never less.
 * `acs:AccessId`, RAM's key for the AccessKey ID a request is signed with (reference §A.2 global keys; docs/semantics.md:
 * "the signed key is a fact"), describes the credentials, but was kept as a key of the request and decided for the
 * job's own session key (`ASIA…`/`STS.…`), which no such Deny names: a user denied the payroll table when signing with
 * its CI key (`Deny odps:* … StringEquals acs:AccessId [<key>]`) submitted a job with that key, and the job read the
 * table. Now the entry is dropped as the other credential keys are, and the Deny binds the job.
 * Real server (SQLite), `@aws-sdk/client-iam` for the directory, the admin REST client the CLI uses to submit a job and
 * to ask the authorize API as the user and as the job's session (credentials from the agent).
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { connectionTo } from './support/processes.ts';

const doc = (...Statement: object[]) => JSON.stringify({ Version: '1', Statement });
const PAYROLL = 'acs:odps:*:*:projects/payroll/tables/salaries';
const OPEN = 'acs:odps:*:*:projects/open/tables/t';
const JOBS = { Effect: 'Allow', Action: ['training:CreateJob', 'training:Get*', 'training:StopJob', 'gatehouse:Authorize'], Resource: '*' };

let s: TestServer;
const conn = (c: Credentials) => connectionTo(s.url, { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}) });

async function decision(who: Credentials, action: string, resource: string): Promise<string> {
  const d = await call<{ decision: string }>(conn(who), 'POST', ['authorize'], { body: { action, resource } });
  assert.ok(d.ok, d.ok ? '' : d.message);
  return d.value.decision;
}

before(async () => {
  s = await startTestServer();
});

after(async () => {
  await s?.stop();
});

test('a Deny on the key the submitter signs with binds the job that key submitted', async () => {
  const iam = s.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'ci' }));
  const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'ci' }))).AccessKey;
  const ci: Credentials = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
  await iam.send(new I.PutUserPolicyCommand({
    UserName: 'ci',
    PolicyName: 'p',
    PolicyDocument: doc(JOBS, { Effect: 'Allow', Action: 'odps:*', Resource: '*' }, { Effect: 'Deny', Action: 'odps:*', Resource: 'acs:odps:*:*:projects/payroll/*', Condition: { StringEquals: { 'acs:AccessId': ci.accessKeyId } } }),
  }));
  assert.ok((await call(conn(s.admin), 'PUT', ['workspaces', 'on2-ws'], { body: { members: [{ user: 'ci' }] } })).ok);
  assert.equal(await decision(ci, 'odps:Read', PAYROLL), 'ExplicitDeny');
  assert.equal(await decision(ci, 'odps:Read', OPEN), 'Allow');

  const r = await call<{ job: { id: string }; capability: string }>(conn(ci), 'POST', ['jobs'], { body: { workspace: 'on2-ws', role: 'default', imds: false } });
  assert.ok(r.ok, r.ok ? '' : r.message);
  const got = await fetch(`${s.running.agentUrl}/v1/container-credentials`, { headers: { authorization: r.value.capability } });
  const body = await got.text();
  assert.equal(got.status, 200, body);
  const j = JSON.parse(body) as { AccessKeyId: string; SecretAccessKey: string; Token: string };
  const job: Credentials = { accessKeyId: j.AccessKeyId, secretAccessKey: j.SecretAccessKey, sessionToken: j.Token };

  assert.equal(await decision(job, 'odps:Read', PAYROLL), 'ExplicitDeny', 'the job the CI key submitted read the table the CI key may not');
  assert.equal(await decision(job, 'odps:Read', OPEN), 'Allow');
  assert.ok((await call(conn(ci), 'POST', ['jobs', r.value.job.id, 'stop'])).ok);
});
