/**
 * Review X, X2: a default-role job's table rights are its submitter's now, not a snapshot taken at submit. A Deny
 * added to the submitter after the job was submitted binds the job's session at the next decision, with the
 * credentials it already holds. Against a real server (startTestServer) with real clients: `@aws-sdk/client-iam` to
 * change the submitter's policies, `@aws-sdk/client-s3` as the job through the S3 gateway, the admin REST client the CLI
 * uses (`call`) to submit and to ask the authorize API as the job's session.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { errorName, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { connectionTo } from './support/processes.ts';

const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const TABLE = 'acs:odps:*:*:projects/payroll/tables/salaries';
const JOBS = { Effect: 'Allow', Action: ['training:CreateJob', 'training:Get*', 'training:StopJob'], Resource: '*' };

let s: TestServer;
const clients: { destroy(): void }[] = [];
const conn = (c: Credentials) => connectionTo(s.url, { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}) });
const s3 = (credentials: Credentials): S3.S3Client => {
  const c = new S3.S3Client({ endpoint: s.running.s3Url ?? '', region: 'us-east-1', forcePathStyle: true, credentials, maxAttempts: 1 });
  clients.push(c);
  return c;
};

async function decision(who: Credentials, action: string, resource: string, principal?: string): Promise<string> {
  const d = await call<{ decision: string }>(conn(who), 'POST', ['authorize'], { body: { action, resource, ...(principal ? { principal } : {}) } });
  assert.ok(d.ok, d.ok ? '' : d.message);
  return d.value.decision;
}

before(async () => {
  s = await startTestServer();
  const admin = s3(s.admin);
  await admin.send(new S3.CreateBucketCommand({ Bucket: 'vera-data' }));
  for (const Key of ['datasets/a.txt', 'restricted/b.txt']) await admin.send(new S3.PutObjectCommand({ Bucket: 'vera-data', Key, Body: 'hi' }));
});

after(async () => {
  for (const c of clients) c.destroy();
  await s?.stop();
});

test('X2: a Deny added to the submitter after submit binds the default-role job\'s session it already holds', async () => {
  const iam = s.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'vera' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'vera', PolicyName: 'jobs', PolicyDocument: doc(JOBS, { Effect: 'Allow', Action: 'odps:*', Resource: '*' }) }));
  const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'vera' }))).AccessKey;
  const vera: Credentials = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
  const put = await call(conn(s.admin), 'PUT', ['workspaces', 'vera-ws'], { body: { members: [{ user: 'vera' }], defaultBucket: 'arn:aws:s3:::vera-data' } });
  assert.ok(put.ok, put.ok ? '' : put.message);

  const r = await call<{ job: { id: string }; capability: string }>(conn(vera), 'POST', ['jobs'], { body: { workspace: 'vera-ws', role: 'default', imds: false } });
  assert.ok(r.ok, r.ok ? '' : r.message);
  const got = await fetch(`${s.running.agentUrl}/v1/container-credentials`, { headers: { authorization: r.value.capability } });
  const body = await got.text();
  assert.equal(got.status, 200, body);
  const j = JSON.parse(body) as { AccessKeyId: string; SecretAccessKey: string; Token: string };
  const job: Credentials = { accessKeyId: j.AccessKeyId, secretAccessKey: j.SecretAccessKey, sessionToken: j.Token };
  const asJob = s3(job);
  const read = (Key: string) => errorName(asJob.send(new S3.GetObjectCommand({ Bucket: 'vera-data', Key })).then((o) => o.Body?.transformToString()));
  assert.equal(await read('restricted/b.txt'), 'no error');
  assert.equal(await decision(job, 'odps:Read', TABLE), 'Allow');

  // The guardrail added to vera after submit: a Deny with Action "*" (it may concern tables, so a default-role job
  // carries it whole, as it would have at submit) on a prefix of the bucket and on a table project.
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'vera', PolicyName: 'guardrail', PolicyDocument: doc({ Sid: 'NoRestricted', Effect: 'Deny', Action: '*', Resource: ['arn:aws:s3:::vera-data/restricted/*', 'acs:odps:*:*:projects/payroll/*'] }) }));
  assert.equal(await decision(vera, 'odps:Read', TABLE), 'ExplicitDeny');

  // The same credentials: refused what vera is now denied, through the S3 gateway (AWS SDK) and the authorize API.
  assert.equal(await read('restricted/b.txt'), 'AccessDenied', 'the job read what its submitter was denied after submit');
  assert.equal(await decision(job, 'odps:Read', TABLE), 'ExplicitDeny', 'the job read a table its submitter was denied after submit');
  // Its session named by ARN (the authorize API asked by the admin about it) is decided the same way.
  const arn = `arn:aws:sts::000000000000:assumed-role/GatehouseTrainingDefaultRole/job-${r.value.job.id}`;
  assert.equal(await decision(s.admin, 'odps:Read', TABLE, arn), 'ExplicitDeny', 'the job\'s session named by ARN reads a table its submitter was denied');
  assert.equal(await decision(s.admin, 'odps:Read', 'acs:odps:*:*:projects/open/tables/t', arn), 'Allow');
  // What vera may still do, the job still may.
  assert.equal(await read('datasets/a.txt'), 'no error');
  assert.equal(await decision(job, 'odps:Read', 'acs:odps:*:*:projects/open/tables/t'), 'Allow');
  assert.equal(await errorName(s.sts(job).send(new GetCallerIdentityCommand({}))), 'no error');

  // The guardrail lifted: the job reads again (the Deny is decided now, not copied into its session).
  await iam.send(new I.DeleteUserPolicyCommand({ UserName: 'vera', PolicyName: 'guardrail' }));
  assert.equal(await read('restricted/b.txt'), 'no error');
  assert.ok((await call(conn(vera), 'POST', ['jobs', r.value.job.id, 'stop'])).ok);
});
