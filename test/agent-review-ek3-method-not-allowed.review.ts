/**
 * Review ek, 3: a request of the wrong method to a credential endpoint was not told which method the path takes.
 * A job's metadata port (the server's and a node agent's) answered any method but its two with a bare `method not
 * allowed` and no `Allow` header (a GET of `/latest/api/token`, which takes PUT, even got 404 `not found`); the
 * credential port of the server (`--agent-listen`) and of a node agent answered a POST to the container endpoint, a
 * PUT to the credentials URI or a GET of a launcher call with 404 `no route for …`, as if the path did not exist.
 * RFC 9110 §15.5.6: "The origin server MUST generate an Allow header field in a 405 (Method Not Allowed) response
 * containing a list of the target resource's currently supported methods"; the admin API answers so since review
 * cm, 3. Now every such request is 405 with `Allow` and a message naming the method given and the one to use; the
 * credentials URI is named as such, never by its path (which holds the job's capability). Paths that are not served
 * are still 404, and the SDKs read as before.
 *
 * Real server, a real node agent, raw HTTP for the wrong methods (no SDK sends them) and the AWS SDK v3 providers for
 * the right ones. Before the fix all 4 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHttp, fromInstanceMetadata } from '@aws-sdk/credential-providers';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
let relay: Relay;
let job: { capability: string; environment: Record<string, string> };
let agentUrl: string;
let agentMetadata: string;

before(async () => {
  s = await startTestServer();
  const conn = connectionTo(s.url, s.admin);
  assert.ok((await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
  const r = await call<{ capability: string; environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', launcherUid: process.getuid?.() ?? 0 } });
  assert.ok(r.ok, JSON.stringify(r));
  job = r.value;
  relay = createRelay({ upstream: (job.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').replace(/\/v1\/container-credentials$/, '') });
  agentUrl = `http://127.0.0.1:${(await relay.listen('127.0.0.1', 0)).port}`;
  const opened = await fetch(`${agentUrl}/v1/launcher/metadata`, { method: 'POST', headers: { authorization: job.capability }, body: JSON.stringify({ uid: process.getuid?.() ?? 0 }) });
  assert.equal(opened.status, 200);
  const { host, port } = (await opened.json()) as { host: string; port: number };
  agentMetadata = `http://${host}:${port}/`;
});
after(async () => {
  await relay?.close();
  await s?.stop();
});

/** `method url`: the status, `Allow` and the message (a JSON answer's `Message`, else the text). */
async function ask(method: string, url: string, headers: Record<string, string> = {}): Promise<{ status: number; allow: string | null; message: string }> {
  const r = await fetch(url, { method, headers });
  const text = await r.text();
  let message = text;
  try {
    message = (JSON.parse(text) as { Message: string }).Message;
  } catch {
    // A metadata port answers in text.
  }
  return { status: r.status, allow: r.headers.get('allow'), message };
}

async function metadataPort(base: string): Promise<void> {
  const token = { 'x-aws-ec2-metadata-token-ttl-seconds': '60' };
  for (const [method, path, allow, headers] of [
    ['POST', 'latest/api/token', 'PUT', token],
    ['GET', 'latest/api/token', 'PUT', {}],
    ['PUT', 'latest/meta-data/iam/security-credentials/', 'GET', token],
    ['DELETE', 'latest/meta-data/ram/security-credentials/role', 'GET', {}],
  ] as const) {
    const r = await ask(method, `${base}${path}`, headers);
    assert.equal(r.status, 405, `${method} /${path}: ${r.message}`);
    assert.equal(r.allow, allow, `${method} /${path}`);
    assert.equal(r.message, `method not allowed: \`${method}\` is not allowed on \`/${path}\`; use ${allow}`);
  }
  assert.equal((await ask('POST', `${base}latest/user-data`)).status, 404, 'a path not served is still 404');
  const saved = process.env['AWS_EC2_METADATA_SERVICE_ENDPOINT'];
  process.env['AWS_EC2_METADATA_SERVICE_ENDPOINT'] = base;
  try {
    assert.match((await fromInstanceMetadata({ maxRetries: 0, timeout: 10_000 })()).accessKeyId, /^ASIA/);
  } finally {
    if (saved === undefined) delete process.env['AWS_EC2_METADATA_SERVICE_ENDPOINT'];
    else process.env['AWS_EC2_METADATA_SERVICE_ENDPOINT'] = saved;
  }
}

async function credentialPort(base: string, extra: readonly (readonly [string, string, string])[] = []): Promise<void> {
  const auth = { authorization: job.capability };
  for (const [method, path, allow, named] of [
    ['POST', '/v1/container-credentials', 'GET', '`/v1/container-credentials`'],
    ['PUT', `/v1/credentials/${job.capability}`, 'GET', 'the credentials URI'],
    ['GET', '/v1/launcher/heartbeat', 'POST', '`/v1/launcher/heartbeat`'],
    ['PUT', '/v1/launcher/end', 'POST', '`/v1/launcher/end`'],
    ...extra.map(([m, p, a]) => [m, p, a, `\`${p}\``] as const),
  ] as const) {
    const r = await ask(method, `${base}${path}`, auth);
    assert.equal(r.status, 405, `${method} ${path}: ${r.message}`);
    assert.equal(r.allow, allow, `${method} ${path}`);
    assert.equal(r.message, `method not allowed: \`${method}\` is not allowed on ${named}; use ${allow}`);
  }
  assert.equal((await ask('POST', `${base}/v1/nothing`)).status, 404, 'a path not served is still 404');
  assert.match((await fromHttp({ awsContainerCredentialsFullUri: `${base}/v1/container-credentials`, awsContainerAuthorizationToken: job.capability, maxRetries: 0 })()).accessKeyId, /^ASIA/);
}

test('ek3: a job’s metadata endpoint on the server answers a wrong method 405 with Allow', async () => {
  await metadataPort(job.environment['AWS_EC2_METADATA_SERVICE_ENDPOINT'] ?? assert.fail('no metadata endpoint'));
});

test('ek3: a job’s metadata endpoint on a node agent answers a wrong method 405 with Allow', async () => {
  await metadataPort(agentMetadata);
});

test('ek3: the server’s credential port answers a wrong method 405 with Allow', async () => {
  await credentialPort((job.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').replace(/\/v1\/container-credentials$/, ''));
});

test('ek3: a node agent answers a wrong method 405 with Allow', async () => {
  await credentialPort(agentUrl, [['GET', '/v1/launcher/metadata', 'POST']]);
});
