/**
 * Review iq, 5: a job read through a node agent at `http://169.254.170.2` (pods, `jobs run --agent
 * http://169.254.170.2`) is given `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v1/container-credentials` (review hk, 1),
 * and the endpoint served only a request carrying the job's capability in `Authorization`. The AWS SDK for Java 1.x
 * (`ContainerCredentialsProvider.ECSCredentialsEndpointProvider`: Hadoop's s3a before 3.4, Spark 3, Flink, Presto)
 * sends no `Authorization` for a relative URI (only its full-URI provider sends `AWS_CONTAINER_AUTHORIZATION_TOKEN`),
 * nor does what AWS's ECS documentation tells users to run (`curl 169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`):
 * they got 403, so such a pod had no AWS credentials at all. ECS itself puts an unguessable id in the relative path
 * (`/v2/credentials/<id>`), and credential-protocols §9.1 says to authenticate the 169.254.170.2 path so. The relative
 * URI now carries the job's capability, as the Alibaba credentials URI already does
 * (`/v1/container-credentials?capability=<capability>`: in the query, so that a node agent from before, which reads the
 * path alone, still serves the SDKs that send the token), and the server and the node agent serve it with or without
 * `Authorization`; the token stays in the environment for the full-URI case, where every SDK sends it.
 *
 * A real server and a real node agent; the relative URI of a job read through an agent at http://169.254.170.2,
 * asked at the agent's own address (this machine does not reach 169.254.170.2) without `Authorization`, as Java SDK
 * 1.x and `curl` ask it; and the AWS SDK v3 (`fromContainerMetadata`, `fromHttp`) and botocore given the same path as a
 * full URI without a token. Before the fix 4 of 5 tests failed (the refusals were refusals before too).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fromContainerMetadata, fromHttp } from '@aws-sdk/credential-providers';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { call } from '../src/adapters/cli/client.ts';
import { withContainerUri } from '../src/core/jobs/jobs.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const run = promisify(execFile);
let s: TestServer;
let relay: Relay;
let agentUrl: string;
let serverAgent: string;
let job: { capability: string; environment: Record<string, string> };
let relative: string;

before(async () => {
  s = await startTestServer();
  const conn = connectionTo(s.url, s.admin);
  assert.ok((await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
  const r = await call<{ capability: string; environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', imds: false } });
  assert.ok(r.ok, JSON.stringify(r));
  job = r.value;
  serverAgent = (job.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').replace(/\/v1\/container-credentials$/, '');
  relay = createRelay({ upstream: serverAgent });
  agentUrl = `http://127.0.0.1:${(await relay.listen('127.0.0.1', 0)).port}`;
  // What a pod (and a rank of `jobs run --agent http://169.254.170.2`) is given.
  const env = withContainerUri({ ...job.environment, AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.2/v1/container-credentials' });
  relative = env['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'] ?? assert.fail(JSON.stringify(env));
  // The ranks' own capability, not the launcher's (review nn, 1).
  assert.equal(env['AWS_CONTAINER_AUTHORIZATION_TOKEN'], job.environment['AWS_CONTAINER_AUTHORIZATION_TOKEN'], 'the token stays, for SDKs given a full URI');
});
after(async () => {
  await relay?.close();
  await s?.stop();
});

const direct = async (): Promise<string> => ((await (await fetch(`${serverAgent}/v1/container-credentials`, { headers: { authorization: job.capability } })).json()) as { AccessKeyId: string }).AccessKeyId;

test('iq5: the relative URI, asked without Authorization as Java SDK 1.x and curl ask it, serves the job’s credentials at the agent and the server', async () => {
  for (const base of [agentUrl, serverAgent]) {
    const r = await fetch(`${base}${relative}`);
    const text = await r.text();
    assert.equal(r.status, 200, `${base === agentUrl ? 'node agent' : 'server'}: ${text}`);
    assert.equal((JSON.parse(text) as { AccessKeyId: string }).AccessKeyId, await direct());
  }
});

test('iq5: the AWS SDK v3 providers take the same URI with no token', async () => {
  const saved = { ...process.env };
  delete process.env['AWS_CONTAINER_AUTHORIZATION_TOKEN'];
  delete process.env['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'];
  process.env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] = `${agentUrl}${relative}`;
  try {
    assert.equal((await fromContainerMetadata({ maxRetries: 0 })()).accessKeyId, await direct());
    assert.equal((await fromHttp({ maxRetries: 0 })()).accessKeyId, await direct());
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
});

test('iq5: botocore takes the same URI with no token (skipped without Python botocore)', async (t) => {
  const script = 'import botocore.session;c=botocore.session.get_session().get_credentials();print(c.access_key if c else "none")';
  let python: string | undefined;
  for (const p of ['/usr/bin/python3', 'python3']) {
    try {
      await run(p, ['-c', 'import botocore']);
      python = p;
      break;
    } catch {
      // Not this one.
    }
  }
  if (python === undefined) return t.skip('no Python with botocore');
  const { stdout } = await run(python, ['-c', script], { env: { PATH: process.env['PATH'] ?? '', HOME: '/nonexistent', AWS_CONTAINER_CREDENTIALS_FULL_URI: `${agentUrl}${relative}`, AWS_EC2_METADATA_DISABLED: 'true', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent' } });
  assert.equal(stdout.trim(), await direct());
});

test('iq5: a made-up or doubled capability in the query is 403, another method 405 never naming the capability', async () => {
  for (const base of [agentUrl, serverAgent]) {
    for (const query of [`capability=${'x'.repeat(43)}`, `capability=${job.capability}&capability=${job.capability}`, 'capability=']) {
      const bad = await fetch(`${base}/v1/container-credentials?${query}`);
      assert.equal(bad.status, 403, `${base} ?${query}`);
    }
    const post = await fetch(`${base}${relative}`, { method: 'POST' });
    const body = (await post.json()) as { Message: string };
    assert.equal(post.status, 405, base);
    assert.equal(post.headers.get('allow'), 'GET');
    assert.ok(!body.Message.includes(job.capability), body.Message);
  }
});

test('iq5: the relative URI keeps the path a node agent from before serves with the token', () => {
  assert.equal(relative, `/v1/container-credentials?capability=${job.environment['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? ''}`);
});
