/**
 * Review V, P5 (fixed at integration): a job stopped by someone else was recorded under its submitter
 * (`training:JobStateChange`, principal = the submitter, "stopped by …" only in the detail), so `audit query
 * --principal <who stopped it>` did not find the stop. Now the record's principal (and source address) is who stopped
 * it, the submitter in `detail.submitter`; a job's own end stays the submitter's. Real server, the admin API's client.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { auditRecords, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
let s: TestServer;

before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s?.stop();
});

test('a stop is recorded under who stopped the job, with the submitter in the detail', async () => {
  const iam = s.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
  const jobs = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['training:CreateJob', 'training:GetJob', 'iam:PassRole'], Resource: '*' }] };
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'jobs', PolicyDocument: JSON.stringify(jobs) }));
  const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey;
  const alice: Credentials = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
  assert.ok((await call(connectionTo(s.url, s.admin), 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'alice' }] } })).ok);
  const submitted = await call<{ job: { id: string } }>(connectionTo(s.url, alice), 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', imds: false } });
  assert.ok(submitted.ok, submitted.ok ? '' : submitted.message);
  const id = submitted.value.job.id;
  const stopped = await call(connectionTo(s.url, s.admin), 'POST', ['jobs', id, 'stop']);
  assert.ok(stopped.ok, stopped.ok ? '' : stopped.message);

  const byAdmin = await auditRecords(s, { principal: `arn:aws:iam::${ACCT}:user/admin`, action: 'training:JobStateChange' });
  const stop = byAdmin.find((r) => r.job === id && r.decision === 'Stopped');
  assert.ok(stop, JSON.stringify(byAdmin));
  assert.equal(stop.detail['submitter'], `arn:aws:iam::${ACCT}:user/alice`);
  assert.equal(stop.sourceIp, '127.0.0.1');
});
