/**
 * Review qh, finding 2: a console sign-in opened with a job's instance credentials assumed roles for their whole
 * maximum, as if it were the instance.
 *
 * A job's own session is not role chaining when it assumes a role (review hd, 2: AWS does not count roles granting
 * permissions to applications on EC2 instances as chaining). A console sign-in opened with temporary credentials is a
 * copy of their session (src/app/sts.ts consoleSignIn: same role, job and issue time), so it was taken for the
 * instance too, and `POST /v1/sts/assume-role` (or STS's AssumeRole) with it was held to the role's maximum, 12 h,
 * not to 1 hour. A console sign-in is a person at the console, not code on the instance: AWS holds a role switched to
 * in its console to role chaining's 1 hour, and Gatehouse holds a console sign-in opened with a long-term key to it
 * (review ik, 1). A role session so got outlived the sign-in's Sign out and its 30-minute idle end by 12 hours.
 *
 * Now a console sign-in is role chaining whatever it was opened with; the job's own session still is not.
 * Real server, a real job, its instance credentials from its metadata endpoint (SDK v3 `fromInstanceMetadata`), the
 * sign-in through `POST /v1/console/sign-in`, AssumeRole through SDK v3 STS.
 *
 * Before the fix 1 of 1 tests failed.
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
import { gatehouseJson } from './support/resource-server.ts';
import { sdkFailure } from './support/server.ts';
import { connectionTo, keysOf } from './support/processes.ts';
import { imdsCredentials } from './support/relay-world.ts';

const ACCT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
let home: string;
let server: RunningServer;

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-console-review-qh2-'));
  server = await startServer({ dataDir: join(home, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => {} });
  assert.ok(server.adminCredentials);
  const admin = keysOf(server.adminCredentials);
  const iam = new I.IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: admin });
  await iam.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
  await iam.send(new I.PutRolePolicyCommand({ RoleName: 'trainer', PolicyName: 'assume', PolicyDocument: doc({ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession'], Resource: '*' }) }));
  const trustsAccount = doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession'] });
  await iam.send(new I.CreateRoleCommand({ RoleName: 'data', MaxSessionDuration: 43200, AssumeRolePolicyDocument: trustsAccount }));
  iam.destroy();
  const conn = connectionTo(server.url, admin);
  assert.ok((await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
});
after(async () => {
  await server?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

const sts = (credentials: NonNullable<S.STSClientConfig['credentials']>) => new S.STSClient({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });

test("a console sign-in opened with a job's instance credentials is role chaining: AssumeRole is held to 1 hour", async () => {
  assert.ok(server.adminCredentials);
  const conn = connectionTo(server.url, keysOf(server.adminCredentials));
  const r = await call<{ environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: `arn:aws:iam::${ACCT}:role/trainer`, imds: true, launcherUid: process.getuid?.() ?? 0 } });
  assert.ok(r.ok, JSON.stringify(r));
  const endpoint = r.value.environment['AWS_EC2_METADATA_SERVICE_ENDPOINT'] ?? assert.fail('no metadata endpoint');
  const instance = await imdsCredentials(endpoint);

  const signedIn = await gatehouseJson(server.url, { accessKeyId: instance.accessKeyId, secretAccessKey: instance.secretAccessKey, sessionToken: instance.sessionToken ?? '' }, 'POST', '/v1/console/sign-in');
  assert.equal(signedIn.status, 200, JSON.stringify(signedIn.json));
  const c = signedIn.json['credentials'] as { accessKeyId: string; secretAccessKey: string; sessionToken: string };
  const atConsole = sts({ accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken });
  const who = await atConsole.send(new S.GetCallerIdentityCommand({}));
  assert.match(who.Arn ?? '', /:assumed-role\/trainer\//, 'the sign-in is the job session’s copy');

  // Before the fix: issued for 2 h, as the job's own session is.
  const f = await sdkFailure(atConsole.send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/data`, RoleSessionName: 'qh2', DurationSeconds: 7200 })));
  assert.deepEqual(f, { code: 'ValidationError', message: 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.', status: 400 });
  assert.ok((await atConsole.send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/data`, RoleSessionName: 'qh2', DurationSeconds: 3600 }))).Credentials?.SessionToken, 'an hour is issued');

  // The job's own session is still not chaining (review hd, 2).
  const job = sts(instance);
  const data = await job.send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/data`, RoleSessionName: 'qh2-job', DurationSeconds: 7200 }));
  assert.ok(data.Credentials?.SessionToken);
  atConsole.destroy();
  job.destroy();
});
