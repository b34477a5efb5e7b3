/**
 * Review af, 2: the role listing without its trailing slash. The AWS SDK for C++ (aws-sdk-cpp
 * `EC2MetadataClient::GetDefaultCredentialsSecurely`; what PyArrow's S3 filesystem, TensorFlow and ClickHouse read
 * instance metadata with) asks `GET /latest/meta-data/iam/security-credentials` with the token, takes the first line
 * of the trimmed answer as the role, then `GET /latest/meta-data/iam/security-credentials/<role>`. EC2 answers the
 * listing with or without the slash; a job's metadata endpoint (the server's and the node agent's) answered 404
 * without it, so that SDK found no role and no credentials. The C++ SDK is not installed here: its requests are sent
 * as it sends them (raw HTTP), for both clouds' paths.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call } from '../src/adapters/cli/client.ts';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { connectionTo, keysOf } from './support/processes.ts';

let home: string;
let server: RunningServer;
let relay: Relay;
const endpoints: { name: string; url: string }[] = [];
let keyId: string;

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-agent-review-af2-'));
  server = await startServer({ dataDir: join(home, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => {} });
  assert.ok(server.adminCredentials);
  const conn = connectionTo(server.url, keysOf(server.adminCredentials));
  assert.ok((await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
  const r = await call<{ capability: string; environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', launcherUid: process.getuid?.() ?? 0 } });
  assert.ok(r.ok, JSON.stringify(r));
  const env = r.value.environment;
  endpoints.push({ name: 'server', url: env['AWS_EC2_METADATA_SERVICE_ENDPOINT'] ?? '' });
  const container = await fetch(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', { headers: { authorization: r.value.capability } });
  keyId = ((await container.json()) as { AccessKeyId: string }).AccessKeyId;
  relay = createRelay({ upstream: server.agentUrl, revalidateMs: 60_000 });
  const at = await relay.listen('127.0.0.1', 0);
  const opened = await fetch(`http://127.0.0.1:${at.port}/v1/launcher/metadata`, { method: 'POST', headers: { authorization: r.value.capability }, body: JSON.stringify({ uid: process.getuid?.() ?? 0 }) });
  assert.equal(opened.status, 200);
  endpoints.push({ name: 'node agent', url: `http://127.0.0.1:${((await opened.json()) as { port: number }).port}` });
});
after(async () => {
  await relay?.close();
  await server?.stop();
  await rm(home, { recursive: true, force: true });
});

function send(url: string, method: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

test('af2: the AWS SDK for C++ flow (listing without the trailing slash) reads the job\'s credentials, on both clouds\' paths', async () => {
  for (const e of endpoints) {
    for (const [cloud, prefix, idField] of [['iam', 'x-aws-ec2-metadata-token', 'AccessKeyId'], ['ram', 'x-aliyun-ecs-metadata-token', 'AccessKeyId']] as const) {
      const token = await send(`${e.url}/latest/api/token`, 'PUT', { [`${prefix}-ttl-seconds`]: '21600' });
      assert.equal(token.status, 200, `${e.name}: ${token.body}`);
      const resource = `/latest/meta-data/${cloud}/security-credentials`;
      const listing = await send(`${e.url}${resource}`, 'GET', { [prefix]: token.body.trim() });
      assert.equal(listing.status, 200, `${e.name} ${resource}: ${listing.status} ${listing.body}`);
      const role = listing.body.trim().split('\n')[0] ?? '';
      assert.equal(role, 'GatehouseTrainingDefaultRole', e.name);
      const doc = await send(`${e.url}${resource}/${role}`, 'GET', { [prefix]: token.body.trim() });
      assert.equal(doc.status, 200, `${e.name}: ${doc.body}`);
      assert.equal((JSON.parse(doc.body) as Record<string, string>)[idField], keyId, e.name);
      // Still no token, no listing on AWS's paths; Alibaba's answer without one, as its normal mode does (review gu, 1).
      assert.equal((await send(`${e.url}${resource}`, 'GET', {})).status, cloud === 'ram' ? 200 : 401, e.name);
    }
  }
});
