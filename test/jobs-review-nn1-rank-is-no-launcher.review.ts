/**
 * Review nn, finding 1: any rank could heartbeat or end its job, since the launcher's capability was the very token
 * every rank holds (`AWS_CONTAINER_AUTHORIZATION_TOKEN`, the path of `ALIBABA_CLOUD_CREDENTIALS_URI`).
 *
 * The contract: "Only the launcher's heartbeat counts: a credential fetch is no sign of the job's life" (docs/decisions.md,
 * "The launcher is the job's keeper on the node", review da, 1): a job whose launcher is gone (SIGKILL, the OOM killer)
 * is Failed within the heartbeat timeout and its sessions die with it (issue 5: "a job whose process is gone is marked
 * Failed, never left Running"; DESIGN.md: "the job's sessions stop working when it ends"). With the launcher's
 * capability in every rank's environment, code in a rank (a library, a data-loader worker, anything the job runs)
 * that posted `/v1/launcher/heartbeat` with that token kept a job without a launcher Running, and its credentials
 * alive, for ever; and one that posted `/v1/launcher/end` ended the job for every rank, recorded as its launcher's
 * report. The ranks now get a capability of their own, which reads the job's credentials at every endpoint and is
 * refused (403) as a launcher; the submit answer's `capability` stays the launcher's.
 *
 * A real server with a 2 s heartbeat timeout; the rank's token is what the submit answer's environment gives. Through a
 * node agent, the launcher's end names the ranks' capability too, so the ranks' cached credentials go at once, as the
 * launcher's did when both were one.
 *
 * Before the fix 2 of 4 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { createRelay } from '../src/adapters/agent/relay.ts';
import { RANK_CAPABILITY_HEADER } from '../src/adapters/agent/imds.ts';
import { jobState, startWorkspaceServer, type WorkspaceServer } from './support/jobs-world.ts';
import { connectionTo } from './support/processes.ts';

let world: WorkspaceServer;
let conn: Connection;

before(async () => {
  world = await startWorkspaceServer('gh-jobs-review-nn1-', { jobHeartbeatTimeoutMs: 2000 });
  conn = connectionTo(world.server.url, world.server.admin);
});
after(() => world?.stop());

type Submitted = { job: { id: string }; capability: string; environment: Record<string, string> };

async function submit(): Promise<Submitted & { agent: string; rankToken: string }> {
  const r = await call<Submitted>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', imds: false } });
  assert.ok(r.ok, JSON.stringify(r));
  const agent = new URL(r.value.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').origin;
  return { ...r.value, agent, rankToken: r.value.environment['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? assert.fail('no token in the environment') };
}

const stateOf = (id: string): Promise<string> => jobState(conn, id);

const post = (agent: string, path: string, token: string, body?: unknown): Promise<Response> =>
  fetch(`${agent}${path}`, { method: 'POST', headers: { authorization: token, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });

test('nn1: a rank reads its job\'s credentials with its token, through the AWS SDK and the credentials URI', async () => {
  const { environment, rankToken } = await submit();
  const credentials = await fromHttp({ awsContainerCredentialsFullUri: environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', awsContainerAuthorizationToken: rankToken })();
  const sts = new STSClient({ endpoint: world.server.url, region: 'us-east-1', credentials, maxAttempts: 1 });
  const me = await sts.send(new GetCallerIdentityCommand({}));
  assert.match(me.Arn ?? '', /:assumed-role\//);
  const uri = await fetch(environment['ALIBABA_CLOUD_CREDENTIALS_URI'] ?? '');
  assert.equal(uri.status, 200, await uri.clone().text());
  assert.equal(((await uri.json()) as { AccessKeyId: string }).AccessKeyId, credentials.accessKeyId, 'every endpoint serves the job\'s one session');
});

test('nn1: a rank cannot end its job as its launcher', async () => {
  const { job, capability, agent, rankToken } = await submit();
  const beat = await post(agent, '/v1/launcher/heartbeat', capability);
  assert.equal(beat.status, 200, await beat.text());
  const end = await post(agent, '/v1/launcher/end', rankToken, { exitCode: 0 });
  assert.equal(end.status, 403, `a rank's token ended the job: ${await end.text()}`);
  assert.equal(await stateOf(job.id), 'Running');
  // The launcher's own end still counts.
  const own = await post(agent, '/v1/launcher/end', capability, { exitCode: 0 });
  assert.equal(own.status, 200, await own.text());
  assert.equal(await stateOf(job.id), 'Succeeded');
});

test('nn1: a rank\'s heartbeats do not keep a job whose launcher is gone alive', async () => {
  const { job, capability, environment, agent, rankToken } = await submit();
  const beat = await post(agent, '/v1/launcher/heartbeat', capability);
  assert.equal(beat.status, 200, await beat.text());
  const endpoint = environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '';
  const first = await fetch(endpoint, { headers: { authorization: rankToken } });
  assert.equal(first.status, 200, await first.clone().text());
  const creds = (await first.json()) as { AccessKeyId: string; SecretAccessKey: string; Token: string };
  // The launcher is gone; a rank posts heartbeats with the token it holds.
  const deadline = Date.now() + 12_000;
  let last = await stateOf(job.id);
  while (Date.now() < deadline && last === 'Running') {
    await post(agent, '/v1/launcher/heartbeat', rankToken);
    await new Promise((r) => setTimeout(r, 250));
    last = await stateOf(job.id);
  }
  assert.equal(last, 'Failed', 'a rank\'s heartbeats kept a job whose launcher is gone Running');
  const sts = new STSClient({ endpoint: world.server.url, region: 'us-east-1', credentials: { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey, sessionToken: creds.Token }, maxAttempts: 1 });
  await assert.rejects(sts.send(new GetCallerIdentityCommand({})), (e: Error) => e.name === 'ExpiredToken');
});

test('nn1: through a node agent, the launcher\'s end takes the ranks\' cached credentials away at once', async () => {
  const { job, capability, agent, rankToken } = await submit();
  const relay = createRelay({ upstream: agent });
  try {
    const via = `http://127.0.0.1:${(await relay.listen('127.0.0.1', 0)).port}`;
    const read = () => fetch(`${via}/v1/container-credentials`, { headers: { authorization: rankToken } });
    const first = await read();
    assert.equal(first.status, 200, await first.text());
    // As launcher/run.ts reports the end through the agent.
    const end = await fetch(`${via}/v1/launcher/end`, { method: 'POST', headers: { authorization: capability, 'content-type': 'application/json', [RANK_CAPABILITY_HEADER]: rankToken }, body: '{"exitCode":0}' });
    assert.equal(end.status, 200, await end.text());
    assert.equal(await stateOf(job.id), 'Succeeded');
    const after = await read();
    assert.equal(after.status, 410, `the agent served the ranks the ended job's cached credentials: ${await after.text()}`);
  } finally {
    await relay.close();
  }
});
