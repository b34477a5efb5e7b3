/**
 * Review X, X2 (a): a default-role job carries its submitter's table Denies bound to the submitter. A Deny whose
 * condition depends on who the principal is (`aws:PrincipalTag/clearance`, `aws:PrincipalArn`) or whose Resource
 * names `${aws:username}` was copied as written, so it was decided for the job's session (the default role's) and no
 * longer matched: the owner was refused, the owner's job allowed. Now it is decided with the owner's facts, in the
 * session policy written at submit and in the owner's current Denies applied at each decision. Against a real server
 * with real clients: `@aws-sdk/client-iam` for the directory, `@aws-sdk/client-s3` as the owner and as the job through
 * the S3 gateway, the admin REST client the CLI uses (`call`) to submit and to ask the authorize API.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import { call } from '../src/adapters/cli/client.ts';
import { errorName, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { connectionTo } from './support/processes.ts';

const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const PAYROLL = 'acs:odps:*:*:projects/payroll/tables/salaries';
const OPEN = 'acs:odps:*:*:projects/open/tables/t';
const JOBS = { Effect: 'Allow', Action: ['training:CreateJob', 'training:Get*', 'training:StopJob'], Resource: '*' };

let s: TestServer;
const clients: { destroy(): void }[] = [];
const conn = (c: Credentials) => connectionTo(s.url, { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}) });
const s3 = (credentials: Credentials): S3.S3Client => {
  const c = new S3.S3Client({ endpoint: s.running.s3Url ?? '', region: 'us-east-1', forcePathStyle: true, credentials, maxAttempts: 1 });
  clients.push(c);
  return c;
};
const read = (who: Credentials, Key: string) => errorName(s3(who).send(new S3.GetObjectCommand({ Bucket: 'x2-data', Key })).then((o) => o.Body?.transformToString()));

async function decision(who: Credentials, action: string, resource: string): Promise<string> {
  const d = await call<{ decision: string }>(conn(who), 'POST', ['authorize'], { body: { action, resource } });
  assert.ok(d.ok, d.ok ? '' : d.message);
  return d.value.decision;
}

async function user(name: string, tags: Record<string, string>, path = '/'): Promise<Credentials> {
  const iam = s.iam();
  await iam.send(new I.CreateUserCommand({ UserName: name, Path: path, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'jobs', PolicyDocument: doc(JOBS, { Effect: 'Allow', Action: ['odps:*', 's3:GetObject'], Resource: '*' }) }));
  await iam.send(new I.AddUserToGroupCommand({ GroupName: 'analysts', UserName: name }));
  const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
  return { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
}

async function defaultJob(who: Credentials): Promise<{ id: string; creds: Credentials }> {
  const r = await call<{ job: { id: string }; capability: string }>(conn(who), 'POST', ['jobs'], { body: { workspace: 'x2-ws', role: 'default', imds: false } });
  assert.ok(r.ok, r.ok ? '' : r.message);
  const got = await fetch(`${s.running.agentUrl}/v1/container-credentials`, { headers: { authorization: r.value.capability } });
  const body = await got.text();
  assert.equal(got.status, 200, body);
  const j = JSON.parse(body) as { AccessKeyId: string; SecretAccessKey: string; Token: string };
  return { id: r.value.job.id, creds: { accessKeyId: j.AccessKeyId, secretAccessKey: j.SecretAccessKey, sessionToken: j.Token } };
}

before(async () => {
  s = await startTestServer();
  const admin = s3(s.admin);
  await admin.send(new S3.CreateBucketCommand({ Bucket: 'x2-data' }));
  for (const Key of ['datasets/a.txt', 'restricted/b.txt', 'home/dana/c.txt', 'home/tess/d.txt']) await admin.send(new S3.PutObjectCommand({ Bucket: 'x2-data', Key, Body: 'hi' }));
  await s.iam().send(new I.CreateGroupCommand({ GroupName: 'analysts' }));
});

after(async () => {
  for (const c of clients) c.destroy();
  await s?.stop();
});

test('X2 (a): a Deny conditioned on the owner\'s tag, ARN or name binds the owner\'s default-role job, and one that does not apply to the owner does not', async () => {
  const iam = s.iam();
  // The group's guardrail, there at submit: low clearance may not touch payroll nor the restricted prefix.
  await iam.send(new I.PutGroupPolicyCommand({ GroupName: 'analysts', PolicyName: 'clearance', PolicyDocument: doc({ Sid: 'LowClearance', Effect: 'Deny', Action: '*', Resource: ['arn:aws:s3:::x2-data/restricted/*', 'acs:odps:*:*:projects/payroll/*'], Condition: { StringEquals: { 'aws:PrincipalTag/clearance': 'low' } } }) }));
  const dana = await user('dana', { clearance: 'low' }, '/contractors/');
  const tess = await user('tess', { clearance: 'top' });
  assert.ok((await call(conn(s.admin), 'PUT', ['workspaces', 'x2-ws'], { body: { members: [{ user: 'dana' }, { user: 'tess' }], defaultBucket: 'arn:aws:s3:::x2-data' } })).ok);

  assert.equal(await decision(dana, 'odps:Read', PAYROLL), 'ExplicitDeny');
  assert.equal(await read(dana, 'restricted/b.txt'), 'AccessDenied');
  assert.equal(await decision(tess, 'odps:Read', PAYROLL), 'Allow');

  const dj = await defaultJob(dana);
  const tj = await defaultJob(tess);
  // The owner's job is refused what the owner is (it was allowed: the copy was decided for the job's session).
  assert.equal(await decision(dj.creds, 'odps:Read', PAYROLL), 'ExplicitDeny', 'dana\'s job read payroll, which dana may not');
  assert.equal(await read(dj.creds, 'restricted/b.txt'), 'AccessDenied', 'dana\'s job read the restricted prefix, which dana may not');
  assert.equal(await decision(dj.creds, 'odps:Read', OPEN), 'Allow');
  assert.equal(await read(dj.creds, 'datasets/a.txt'), 'no error');
  // The Deny does not apply to tess (clearance top): her job is not denied by it.
  assert.equal(await decision(tj.creds, 'odps:Read', PAYROLL), 'Allow', 'tess\'s job was denied payroll by a Deny that does not apply to tess');
  assert.equal(await read(tj.creds, 'restricted/b.txt'), 'no error');

  // Added after submit, on the principal's ARN path and on `${aws:username}`: decided with the owner at each decision.
  await iam.send(new I.PutGroupPolicyCommand({ GroupName: 'analysts', PolicyName: 'contractors', PolicyDocument: doc(
    { Sid: 'NoDropForContractors', Effect: 'Deny', Action: 'odps:Drop*', Resource: '*', Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:user/contractors/*' } } },
    { Sid: 'NotOthersHomes', Effect: 'Deny', Action: '*', NotResource: ['arn:aws:s3:::x2-data/home/${aws:username}/*', 'arn:aws:s3:::x2-data/datasets/*', 'arn:aws:s3:::x2-data/restricted/*', 'acs:odps:*:*:*'] },
  ) }));
  assert.equal(await decision(dana, 'odps:DropTable', OPEN), 'ExplicitDeny');
  assert.equal(await decision(dj.creds, 'odps:DropTable', OPEN), 'ExplicitDeny', 'dana\'s job dropped a table, which dana (a contractor) may not');
  assert.equal(await decision(tj.creds, 'odps:DropTable', OPEN), 'Allow');
  assert.equal(await read(dana, 'home/tess/d.txt'), 'AccessDenied');
  assert.equal(await read(dj.creds, 'home/tess/d.txt'), 'AccessDenied', 'dana\'s job read tess\'s home');
  assert.equal(await read(dj.creds, 'home/dana/c.txt'), 'no error', 'dana\'s job may read dana\'s home');
  assert.equal(await read(tj.creds, 'home/tess/d.txt'), 'no error');
  assert.equal(await read(tj.creds, 'home/dana/c.txt'), 'AccessDenied');

  // The owner's facts are read at each decision: tess's clearance lowered binds her running job.
  await iam.send(new I.TagUserCommand({ UserName: 'tess', Tags: [{ Key: 'clearance', Value: 'low' }] }));
  assert.equal(await decision(tess, 'odps:Read', PAYROLL), 'ExplicitDeny');
  assert.equal(await decision(tj.creds, 'odps:Read', PAYROLL), 'ExplicitDeny', 'tess\'s job read payroll after tess\'s clearance was lowered');

  // A job's session named by ARN (the admin asking the authorize API about it) is decided the same way.
  const arn = (id: string) => `arn:aws:sts::000000000000:assumed-role/GatehouseTrainingDefaultRole/job-${id}`;
  const about = async (principal: string, action: string, resource: string) => {
    const d = await call<{ decision: string }>(conn(s.admin), 'POST', ['authorize'], { body: { action, resource, principal } });
    assert.ok(d.ok, d.ok ? '' : d.message);
    return d.value.decision;
  };
  assert.equal(await about(arn(dj.id), 'odps:Read', PAYROLL), 'ExplicitDeny');
  assert.equal(await about(arn(dj.id), 'odps:DropTable', OPEN), 'ExplicitDeny');
  assert.equal(await about(arn(dj.id), 'odps:Read', OPEN), 'Allow');
  // Stopped by the admin: the group's `NotOthersHomes` Deny of `*` refuses dana and tess training:StopJob on their own jobs
  // (an explicit Deny refuses a job's submitter too, review uh, 1).
  for (const id of [dj.id, tj.id]) assert.ok((await call(conn(s.admin), 'POST', ['jobs', id, 'stop'])).ok);
});
