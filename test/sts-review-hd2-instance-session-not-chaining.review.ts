/**
 * Review hd, 2: a job's own session, read from its instance metadata endpoint, assuming another role is not role
 * chaining. AWS "does not treat using roles to grant permissions to applications that run on EC2 instances as role
 * chaining" (reference §A.1.9: "EC2 instance-profile credentials do not count as chaining"): code on an instance
 * assumes a role for up to that role's MaxSessionDuration, and only the session it then assumes from that one is held
 * to 1 hour.
 *
 * Gatehouse counted any temporary credentials as chaining, a job's own session among them (its service issues it, as
 * EC2 issues an instance's; docs/decisions.md "Job and node sessions last at least 3 h"). A training script doing what
 * it does on EC2 (`fromTemporaryCredentials` over the instance credentials, or a profile with `credential_source =
 * Ec2InstanceMetadata` and `duration_seconds = 7200`, for a data role allowing 12 h) failed with "The requested
 * DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining." Now the job's session assumes
 * for the role's maximum; the session it gets is chained, and capped as before. Real server, a real job, SDK v3
 * `fromInstanceMetadata` at the job's endpoint.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { sdkFailure } from './support/server.ts';
import { connectionTo, keysOf } from './support/processes.ts';
import { imdsCredentials } from './support/relay-world.ts';

const ACCT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
let home: string;
let server: RunningServer;

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-sts-review-hd2-'));
  server = await startServer({ dataDir: join(home, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => {} });
  assert.ok(server.adminCredentials);
  const admin = keysOf(server.adminCredentials);
  const iam = new I.IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: admin });
  await iam.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
  await iam.send(new I.PutRolePolicyCommand({ RoleName: 'trainer', PolicyName: 'assume', PolicyDocument: doc({ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession'], Resource: '*' }) }));
  // A job's session carries its submitter as source identity, and its gatehouse: tags: each hop sets them again.
  const trustsAccount = doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession'] });
  await iam.send(new I.CreateRoleCommand({ RoleName: 'data', MaxSessionDuration: 43200, AssumeRolePolicyDocument: trustsAccount }));
  await iam.send(new I.PutRolePolicyCommand({ RoleName: 'data', PolicyName: 'assume', PolicyDocument: doc({ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession'], Resource: '*' }) }));
  iam.destroy();
  const conn = connectionTo(server.url, admin);
  assert.ok((await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
});
after(async () => {
  await server?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

const sts = (credentials: NonNullable<S.STSClientConfig['credentials']>) => new S.STSClient({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });
const keys = (c: S.Credentials | undefined) => ({ accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' });

test("hd2: a job's instance credentials assume a role for its maximum; the session they get is chained", async () => {
  assert.ok(server.adminCredentials);
  const conn = connectionTo(server.url, keysOf(server.adminCredentials));
  const r = await call<{ environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: `arn:aws:iam::${ACCT}:role/trainer`, imds: true, launcherUid: process.getuid?.() ?? 0 } });
  assert.ok(r.ok, JSON.stringify(r));
  const endpoint = r.value.environment['AWS_EC2_METADATA_SERVICE_ENDPOINT'] ?? assert.fail('no metadata endpoint');
  const instance = await imdsCredentials(endpoint);
  const job = sts(instance);
  const who = await job.send(new S.GetCallerIdentityCommand({}));
  assert.match(who.Arn ?? '', /:assumed-role\/trainer\//);

  const before = Date.now();
  const data = await job.send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/data`, RoleSessionName: 'hd2', DurationSeconds: 7200 }));
  const exp = data.Credentials?.Expiration?.getTime() ?? 0;
  assert.ok(exp >= before + 7200_000 - 2000 && exp <= Date.now() + 7200_000 + 2000, `2 h (${data.Credentials?.Expiration?.toISOString()})`);

  // From the data role's session on, it is role chaining: 1 hour at most.
  const chained = sts(keys(data.Credentials));
  const f = await sdkFailure(chained.send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/data`, RoleSessionName: 'hd2b', DurationSeconds: 7200 })));
  assert.deepEqual(f, { code: 'ValidationError', message: 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.', status: 400 });
  assert.ok((await chained.send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/data`, RoleSessionName: 'hd2b', DurationSeconds: 3600 }))).Credentials?.SessionToken);
  job.destroy();
  chained.destroy();
});
