/**
 * Review `readme`, R7: the refused use of a job's credentials after the job ended (a copy that leaked out of the job)
 * is recorded with the job, the role session and the role, so `gatehouse audit query --job ID` and `--role ARN` find
 * it with the rest of the job's life. Against a real server (startTestServer, SQLite in a temporary dir): the job
 * submitted with the admin REST client the CLI uses, its credentials fetched from the container endpoint as the SDKs
 * fetch them, used with `@aws-sdk/client-sts` after the job was stopped, and the records read with `gatehouse audit
 * query` (in process) — never the session token in them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { cliAgainst, errorName, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { connectionTo } from './support/processes.ts';

const ACCT = '000000000000';
const ROLE = `arn:aws:iam::${ACCT}:role/trainer`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let s: TestServer;
const conn = (c: Credentials) => connectionTo(s.url, { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey });

before(async () => {
  s = await startTestServer();
  const iam = s.iam();
  await iam.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
  const put = await call(conn(s.admin), 'PUT', ['workspaces', 'vision'], { body: { members: [{ user: 'admin' }] } });
  assert.ok(put.ok, put.ok ? '' : put.message);
});

after(async () => {
  await s?.stop();
});

test('R7: the use of a job\'s credentials after the job ended is found by audit query --job and --role', async () => {
  const submitted = await call<{ job: { id: string }; capability: string }>(conn(s.admin), 'POST', ['jobs'], { body: { workspace: 'vision', role: ROLE, imds: false } });
  assert.ok(submitted.ok, submitted.ok ? '' : submitted.message);
  const { job, capability } = submitted.value;
  const r = await fetch(`${s.running.agentUrl}/v1/container-credentials`, { headers: { authorization: capability } });
  assert.equal(r.status, 200);
  const j = (await r.json()) as { AccessKeyId: string; SecretAccessKey: string; Token: string };
  const leaked: Credentials = { accessKeyId: j.AccessKeyId, secretAccessKey: j.SecretAccessKey, sessionToken: j.Token };
  assert.equal(await errorName(s.sts(leaked).send(new GetCallerIdentityCommand({}))), 'no error');

  const stopped = await call(conn(s.admin), 'POST', ['jobs', job.id, 'stop'], { body: {} });
  assert.ok(stopped.ok, stopped.ok ? '' : stopped.message);
  assert.equal(await errorName(s.sts(leaked).send(new GetCallerIdentityCommand({}))), 'ExpiredToken');
  await s.running.app.audit.flush();

  const refusal = (out: string) =>
    out
      .trim()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown> & { detail: Record<string, unknown> })
      .find((x) => x.detail['authentication'] === 'ExpiredToken');
  const byJob = await cliAgainst(s, ['audit', 'query', '--job', job.id, '--json']);
  assert.equal(byJob.status, 0, byJob.err);
  const rec = refusal(byJob.out);
  assert.ok(rec, `audit query --job ${job.id} lists the refused use of the job's credentials:\n${byJob.out}`);
  const session = `arn:aws:sts::${ACCT}:assumed-role/trainer/job-${job.id}`;
  assert.deepEqual(
    [rec.kind, rec['principal'], rec['action'], rec['decision'], rec['job'], rec['role'], rec['session'], rec.detail['accessKeyId']],
    ['decision', session, 'sts:GetCallerIdentity', 'Deny', job.id, ROLE, session, leaked.accessKeyId],
  );
  assert.ok(!byJob.out.includes(j.Token) && !byJob.out.includes(j.SecretAccessKey), 'no session token or secret in the records');

  const byRole = await cliAgainst(s, ['audit', 'query', '--role', ROLE, '--kind', 'decision', '--json']);
  assert.equal(byRole.status, 0, byRole.err);
  assert.equal(refusal(byRole.out)?.['seq'], rec['seq'], `audit query --role ${ROLE} lists it too:\n${byRole.out}`);
});
