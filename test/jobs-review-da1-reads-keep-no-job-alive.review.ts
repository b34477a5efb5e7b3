/**
 * Review da, finding 1: a job whose launcher was killed (SIGKILL, the OOM killer) stayed Running, with live
 * credentials, for as long as one of its ranks kept reading them. The launcher puts each rank in a process group of its
 * own, so the ranks outlive it; the server counted every credential fetch of a job as a sign of its life, as a
 * launcher's heartbeat, and a rank that read the container endpoint (a process per data-loader worker, a client without
 * a cache, a polling sidecar) more often than the heartbeat timeout kept the job Running and its sessions valid for
 * ever, with nobody left to stop its ranks. Only the launcher's heartbeat is the job's life now; a rank's reads are not.
 *
 * A real server with a 2 s heartbeat timeout; the launcher beats once and is gone, a rank reads the container endpoint
 * every 200 ms: the job is Failed within the timeout and a sweep, the endpoint answers 410, and STS refuses the session.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { jobState, startWorkspaceServer, type WorkspaceServer } from './support/jobs-world.ts';
import { connectionTo } from './support/processes.ts';

let world: WorkspaceServer;
let conn: Connection;

before(async () => {
  world = await startWorkspaceServer('gh-jobs-review-da1-', { jobHeartbeatTimeoutMs: 2000 });
  conn = connectionTo(world.server.url, world.server.admin);
});
after(() => world?.stop());

test('da1: a rank reading its credentials does not keep a job without a launcher alive', async () => {
  const submitted = await call<{ job: { id: string }; capability: string; environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', imds: false } });
  assert.ok(submitted.ok, JSON.stringify(submitted));
  const { job, capability, environment } = submitted.value;
  const endpoint = environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '';
  const agent = new URL(endpoint).origin;
  const beat = await fetch(`${agent}/v1/launcher/heartbeat`, { method: 'POST', headers: { authorization: capability } });
  assert.equal(beat.status, 200, await beat.text());

  // The launcher is gone; a rank goes on reading the container endpoint, as a process without a cache does.
  const read = async () => fetch(endpoint, { headers: { authorization: capability } });
  const first = await read();
  assert.equal(first.status, 200, await first.clone().text());
  const creds = (await first.json()) as { AccessKeyId: string; SecretAccessKey: string; Token: string };
  const state = (): Promise<string> => jobState(conn, job.id);
  const deadline = Date.now() + 10_000;
  let last = await state();
  let status = 200;
  while (Date.now() < deadline && last === 'Running') {
    status = (await read()).status;
    await new Promise((r) => setTimeout(r, 200));
    last = await state();
  }
  assert.equal(last, 'Failed', 'a rank\'s reads of its credentials kept a job whose launcher is gone Running');
  status = (await read()).status;
  assert.equal(status, 410);
  const sts = new STSClient({ endpoint: world.server.url, region: 'us-east-1', credentials: { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey, sessionToken: creds.Token }, maxAttempts: 1 });
  await assert.rejects(sts.send(new GetCallerIdentityCommand({})), (e: Error) => e.name === 'ExpiredToken');
});
