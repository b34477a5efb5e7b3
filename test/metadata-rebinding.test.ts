/**
 * A job's metadata endpoint refuses what a web page could send after a DNS rebinding (review Q, finding Q1): the
 * attacker's name answered with 127.0.0.1 makes the browser, run by the launcher's own uid and so past the peer
 * check, send `Host: rebind.evil.example:PORT`, and `Origin` on the token PUT. Both are refused with 403, on the
 * token PUT and on the credential paths, at the server's endpoint and at the node agent's; the container endpoint
 * and the Alibaba credentials URI refuse `Origin` too. The real SDKs still get the job's credentials: the AWS SDK
 * v3's instance-metadata and container providers, the Alibaba credentials SDK, and Node's own `fetch` (which sends
 * `sec-fetch-mode: cors`).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromContainerMetadata, fromInstanceMetadata } from '@aws-sdk/credential-providers';
import Alibaba from '@alicloud/credentials';
import { call } from '../src/adapters/cli/client.ts';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { connectionTo, keysOf, type Keys } from './support/processes.ts';
import { freshRequest } from './support/raw-answer.ts';

let home: string;
let server: RunningServer;
let admin: Keys;
let relay: Relay | undefined;

interface Submitted {
  readonly job: { readonly id: string };
  readonly capability: string;
  readonly environment: Record<string, string>;
}

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-metadata-rebinding-'));
  server = await startServer({ dataDir: join(home, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => {} });
  assert.ok(server.adminCredentials);
  admin = keysOf(server.adminCredentials);
  const ws = await call(connectionTo(server.url, admin), 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } });
  assert.ok(ws.ok, JSON.stringify(ws));
});
after(async () => {
  await relay?.close();
  await server.stop();
  await rm(home, { recursive: true, force: true });
});

/** A job run the ordinary way: its launcher's uid (this process's) reported, so the peer check is on. */
async function submit(): Promise<Submitted> {
  const r = await call(connectionTo(server.url, admin), 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', launcherUid: process.getuid?.() ?? 0 } });
  assert.ok(r.ok, JSON.stringify(r));
  return r.value as unknown as Submitted;
}

/** One request to 127.0.0.1:`port` with exactly these headers (`host` among them when given), as node:http sends it. */
const send = (port: number, method: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> =>
  freshRequest(`http://127.0.0.1:${port}${path}`, headers, method);

const TTL = { 'x-aws-ec2-metadata-token-ttl-seconds': '60' };
const ROLE = 'GatehouseTrainingDefaultRole';

/** What a rebinding page sends and what a browser adds, each refused on the token PUT and the credential paths. */
async function assertRebindingRefused(port: number): Promise<void> {
  const evil = `rebind.evil.example:${port}`;
  const hostRefusal = `forbidden: Host \`${evil}\` is refused: this metadata endpoint answers only requests to its IP address or localhost, not to a DNS name (a web page that rebinds a name to this address would send that name)`;
  const originRefusal = 'forbidden: a request carrying Origin is refused: it comes from a web page, and credentials are served to programs only';
  // The token PUT: the page's own name as Host (with and without its Origin), or the right Host with an Origin.
  assert.deepEqual(await send(port, 'PUT', '/latest/api/token', { host: evil, origin: `http://${evil}`, ...TTL }), { status: 403, body: hostRefusal });
  assert.deepEqual(await send(port, 'PUT', '/latest/api/token', { host: evil, ...TTL }), { status: 403, body: hostRefusal });
  assert.deepEqual(await send(port, 'PUT', '/latest/api/token', { host: 'REBIND.evil.example', ...TTL }), { status: 403, body: hostRefusal.replace(evil, 'REBIND.evil.example') });
  assert.deepEqual(await send(port, 'PUT', '/latest/api/token', { host: `127.0.0.1:${port}`, origin: `http://${evil}`, ...TTL }), { status: 403, body: originRefusal });
  for (const [header, value] of [['sec-fetch-site', 'same-origin'], ['sec-fetch-dest', 'empty'], ['sec-fetch-user', '?1']] as const) {
    const r = await send(port, 'PUT', '/latest/api/token', { host: `127.0.0.1:${port}`, [header]: value, ...TTL });
    assert.equal(r.status, 403, header);
    assert.match(r.body, /^forbidden: a request carrying Sec-Fetch-(Site|Dest|User) is refused/);
  }
  // The credential paths, even with a valid token (got the way an SDK gets it): no role name, no document.
  const token = await send(port, 'PUT', '/latest/api/token', { host: `127.0.0.1:${port}`, ...TTL });
  assert.equal(token.status, 200, token.body);
  for (const [cloud, header] of [['iam', 'x-aws-ec2-metadata-token'], ['ram', 'x-aliyun-ecs-metadata-token']] as const) {
    for (const path of [`/latest/meta-data/${cloud}/security-credentials/`, `/latest/meta-data/${cloud}/security-credentials/${ROLE}`]) {
      assert.deepEqual(await send(port, 'GET', path, { host: evil, [header]: token.body }), { status: 403, body: hostRefusal }, path);
      assert.deepEqual(await send(port, 'GET', path, { host: `127.0.0.1:${port}`, origin: `http://${evil}`, [header]: token.body }), { status: 403, body: originRefusal }, path);
      // The same request from a program is served.
      const served = await send(port, 'GET', path, { host: `127.0.0.1:${port}`, [header]: token.body });
      assert.equal(served.status, 200, `${path}: ${served.body}`);
    }
  }
  // The endpoint's own names are served: every IP literal (a DNAT'd 169.254.169.254 or 100.100.100.200 too) and
  // localhost, with or without a port.
  for (const host of [`127.0.0.1:${port}`, '127.0.0.1', `localhost:${port}`, 'LocalHost', `[::1]:${port}`, '[::1]', '169.254.169.254', '100.100.100.200']) {
    const r = await send(port, 'PUT', '/latest/api/token', { host, ...TTL });
    assert.equal(r.status, 200, `Host: ${host}: ${r.body}`);
  }
  for (const host of [`localhost.:${port}`, `127.0.0.1.nip.io:${port}`, '127.1', `[rebind.evil.example]:${port}`, `localhost.evil.example`]) {
    assert.equal((await send(port, 'PUT', '/latest/api/token', { host, ...TTL })).status, 403, `Host: ${host}`);
  }
  // HTTP/1.0 without Host: not the endpoint's own either.
  const noHost = await new Promise<string>((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.end('PUT /latest/api/token HTTP/1.0\r\nx-aws-ec2-metadata-token-ttl-seconds: 60\r\nContent-Length: 0\r\n\r\n'));
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', reject);
    s.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
  assert.match(noHost, /^HTTP\/1\.1 403 /);
  assert.match(noHost, /forbidden: a request without Host is refused/);
}

/** The AWS SDK v3's IMDSv2 provider against `endpoint`, as a job's process runs it. */
async function sdkInstanceKeys(endpoint: string): Promise<string> {
  const saved = process.env['AWS_EC2_METADATA_SERVICE_ENDPOINT'];
  process.env['AWS_EC2_METADATA_SERVICE_ENDPOINT'] = endpoint;
  try {
    return (await fromInstanceMetadata({ maxRetries: 0, timeout: 5000 })()).accessKeyId;
  } finally {
    if (saved === undefined) delete process.env['AWS_EC2_METADATA_SERVICE_ENDPOINT'];
    else process.env['AWS_EC2_METADATA_SERVICE_ENDPOINT'] = saved;
  }
}

/** The AWS SDK v3's container provider with the job's `AWS_CONTAINER_CREDENTIALS_FULL_URI` and token. */
async function sdkContainerKeys(fullUri: string, capability: string): Promise<string> {
  const saved = [process.env['AWS_CONTAINER_CREDENTIALS_FULL_URI'], process.env['AWS_CONTAINER_AUTHORIZATION_TOKEN']] as const;
  process.env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] = fullUri;
  process.env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] = capability;
  try {
    return (await fromContainerMetadata({ maxRetries: 0, timeout: 5000 })()).accessKeyId;
  } finally {
    for (const [name, value] of [['AWS_CONTAINER_CREDENTIALS_FULL_URI', saved[0]], ['AWS_CONTAINER_AUTHORIZATION_TOKEN', saved[1]]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/** IMDSv2 with Node's global fetch, which sends `sec-fetch-mode: cors` on every request. */
async function fetchRole(endpoint: string): Promise<string> {
  const token = await fetch(`${endpoint}/latest/api/token`, { method: 'PUT', headers: TTL });
  assert.equal(token.status, 200);
  const list = await fetch(`${endpoint}/latest/meta-data/iam/security-credentials/`, { headers: { 'x-aws-ec2-metadata-token': await token.text() } });
  assert.equal(list.status, 200);
  return list.text();
}

test('the server’s metadata endpoint of a job refuses a rebinding page’s Host and a browser’s Origin; the SDKs still get the credentials', async () => {
  const job = await submit();
  const endpoint = job.environment['AWS_EC2_METADATA_SERVICE_ENDPOINT'] ?? assert.fail('no metadata endpoint');
  const port = Number(new URL(endpoint).port);
  await assertRebindingRefused(port);
  const fullUri = job.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? assert.fail('no container endpoint');
  const key = await sdkContainerKeys(fullUri, job.capability);
  assert.match(key, /^ASIA/);
  assert.equal(await sdkInstanceKeys(endpoint), key);
  assert.equal(await fetchRole(endpoint), ROLE);
});

test('the node agent’s metadata endpoint of a job refuses them too', async () => {
  const job = await submit();
  const agentUrl = new URL(job.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? assert.fail('no container endpoint')).origin;
  relay = createRelay({ upstream: agentUrl, revalidateMs: 60_000 });
  const at = await relay.listen('127.0.0.1', 0);
  const opened = await fetch(`http://127.0.0.1:${at.port}/v1/launcher/metadata`, { method: 'POST', headers: { authorization: job.capability }, body: JSON.stringify({ uid: process.getuid?.() ?? 0 }) });
  assert.equal(opened.status, 200);
  const { port } = (await opened.json()) as { port: number };
  await assertRebindingRefused(port);
  const key = await sdkContainerKeys(`http://127.0.0.1:${at.port}/v1/container-credentials`, job.capability);
  assert.equal(await sdkInstanceKeys(`http://127.0.0.1:${port}`), key);
  assert.equal(await fetchRole(`http://127.0.0.1:${port}`), ROLE);
});

test('the container endpoint and the Alibaba credentials URI refuse a browser’s Origin, at the server and at the node agent', async () => {
  const job = await submit();
  const server = new URL(job.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? assert.fail('no container endpoint'));
  const node = createRelay({ upstream: server.origin, revalidateMs: 60_000 });
  try {
    const nodePort = (await node.listen('127.0.0.1', 0)).port;
    for (const port of [Number(server.port), nodePort]) {
      const host = `127.0.0.1:${port}`;
      const paths = [
        ['/v1/container-credentials', { authorization: job.capability }],
        [`/v1/credentials/${job.capability}`, {}],
      ] as const;
      for (const [path, auth] of paths) {
        const refused = await send(port, 'GET', path, { host, origin: 'http://rebind.evil.example', ...auth });
        assert.equal(refused.status, 403, `${port} ${path}`);
        assert.deepEqual(JSON.parse(refused.body), { Code: 'Forbidden', Message: 'forbidden: a request carrying Origin is refused: it comes from a web page, and credentials are served to programs only' });
        assert.equal((await send(port, 'GET', path, { host, 'sec-fetch-site': 'same-origin', ...auth })).status, 403, `${port} ${path}`);
        // A DNS name in Host is fine here (nodes and pods may reach these by name): the capability is what counts.
        assert.equal((await send(port, 'GET', path, { host: `gatehouse-agent.example:${port}`, ...auth })).status, 200, `${port} ${path}`);
      }
      // The SDKs are served.
      assert.match(await sdkContainerKeys(`http://${host}/v1/container-credentials`, job.capability), /^ASIA/);
      const alibaba = await new Alibaba.default(new Alibaba.Config({ type: 'credentials_uri', credentialsURI: `http://${host}/v1/credentials/${job.capability}` })).getCredential();
      assert.match(alibaba.accessKeyId ?? '', /^ASIA/);
    }
  } finally {
    await node.close();
  }
});
