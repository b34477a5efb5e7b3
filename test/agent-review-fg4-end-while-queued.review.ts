/**
 * Review fg, 4: a launcher's report that its job succeeded was refused when the job was still Queued, and the job's
 * credentials went on working. A job is Queued until its launcher's first heartbeat; `gatehouse jobs run` sends one
 * before starting the ranks and goes on when it is lost (an agent restarting, a server blip), and a short command is
 * done before the next, 5 s later. Its end (`POST /v1/launcher/end {"exitCode": 0}`) was then answered 400 "job … is
 * Queued; it cannot become Succeeded" (a failure from Queued was taken), the launcher took that as the server's word,
 * and the job stayed Queued with its sessions and its credential endpoints working after its command had exited
 * (README: "When the job ends, its sessions stop working everywhere"), until the sweep failed it for its launcher's
 * silence: a success recorded as a failure. Now such an end takes the job through Running to Succeeded.
 *
 * A real server; the launcher's calls as it sends them (raw HTTP on the credential port) and the AWS SDK v3 container
 * provider. Before the fix the end was 400, the job Queued and its credentials still served.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHttp } from '@aws-sdk/credential-providers';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer();
  assert.ok((await call(connectionTo(s.url, s.admin), 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
});
after(async () => {
  await s?.stop();
});

type Submitted = { job: { id: string; state: string }; capability: string; environment: Record<string, string> };

async function submit(): Promise<Submitted> {
  const r = await call<Submitted>(connectionTo(s.url, s.admin), 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', imds: false } });
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.value.job.state, 'Queued');
  return r.value;
}

const credentials = (job: Submitted) => fromHttp({ awsContainerCredentialsFullUri: job.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', awsContainerAuthorizationToken: job.capability, maxRetries: 0 })();

async function end(job: Submitted, exitCode: number): Promise<{ status: number; body: Record<string, unknown> }> {
  const base = (job.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').replace(/\/v1\/container-credentials$/, '');
  const r = await fetch(`${base}/v1/launcher/end`, { method: 'POST', headers: { authorization: job.capability, 'content-type': 'application/json' }, body: JSON.stringify({ exitCode }) });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

async function state(job: Submitted): Promise<{ state: string; exitCode?: number }> {
  const r = await call<{ state: string; exitCode?: number }>(connectionTo(s.url, s.admin), 'GET', ['jobs', job.job.id]);
  assert.ok(r.ok, JSON.stringify(r));
  return r.value;
}

test('fg4: a job whose launcher was never heard, reported succeeded, is Succeeded and its credentials stop', async () => {
  const job = await submit();
  assert.match((await credentials(job)).accessKeyId, /^ASIA/, 'a rank read its credentials');
  const r = await end(job, 0);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body['state'], 'Succeeded');
  const now = await state(job);
  assert.equal(now.state, 'Succeeded');
  assert.equal(now.exitCode, 0);
  await assert.rejects(credentials(job), /status: 410/, 'its credential endpoint refuses the ended job');
});

test('fg4: reported failed from Queued, it is Failed, as before', async () => {
  const job = await submit();
  const r = await end(job, 3);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body['state'], 'Failed');
  assert.equal((await state(job)).exitCode, 3);
});
