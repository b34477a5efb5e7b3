/**
 * `gatehouse agent`, the node agent (src/adapters/agent/relay.ts), between a real server and the real clients: the
 * AWS SDK's container provider and the Alibaba credentials SDK read a job's credentials through it; forty processes
 * polling at once cost the server nothing more; the launcher's calls pass through; a job stopped on the server is
 * refused on the node within the revalidation time; an unknown capability is refused; `gatehouse jobs run --agent`
 * points a job's processes and its launcher at the agent; and with the server stopped,
 * the credentials already cached keep being served while nothing else is. Then the command itself: it starts,
 * serves and stops on SIGTERM.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromHttp } from '@aws-sdk/credential-providers';
import Alibaba from '@alicloud/credentials';
import { call } from '../src/adapters/cli/client.ts';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { connectionTo, freePort, GATEHOUSE_BIN, gatehouseCli, keysOf, type Keys } from './support/processes.ts';

const PROBE = fileURLToPath(new URL('./fixtures/jobs/probe.ts', import.meta.url));
let home: string;
let server: RunningServer | undefined;
let admin: Keys;
let upstream: string;
const relays: Relay[] = [];

interface Submitted {
  readonly job: { readonly id: string };
  readonly capability: string;
  readonly environment: Record<string, string>;
}

async function submit(): Promise<Submitted> {
  const r = await call(connectionTo((server as RunningServer).url, admin), 'POST', ['jobs'], { body: { workspace: 'w', role: 'default' } });
  assert.ok(r.ok, JSON.stringify(r));
  return r.value as unknown as Submitted;
}

async function relay(revalidateMs: number): Promise<{ relay: Relay; url: string }> {
  const r = createRelay({ upstream, revalidateMs });
  relays.push(r);
  const at = await r.listen('127.0.0.1', 0);
  return { relay: r, url: `http://127.0.0.1:${at.port}` };
}

const awsKeys = (url: string, capability: string) => fromHttp({ awsContainerCredentialsFullUri: `${url}/v1/container-credentials`, awsContainerAuthorizationToken: capability, maxRetries: 0 })();
const alibabaKeys = async (url: string, capability: string) =>
  (await new Alibaba.default(new Alibaba.Config({ type: 'credentials_uri', credentialsURI: `${url}/v1/credentials/${capability}` })).getCredential()).accessKeyId;

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-node-agent-'));
  server = await startServer({ dataDir: join(home, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => {} });
  assert.ok(server.adminCredentials);
  admin = keysOf(server.adminCredentials);
  const ws = await call(connectionTo(server.url, admin), 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } });
  assert.ok(ws.ok);
  const first = await submit();
  upstream = (first.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').replace(/\/v1\/container-credentials$/, '');
  assert.match(upstream, /^http:\/\/127\.0\.0\.1:\d+$/);
});
after(async () => {
  for (const r of relays) await r.close();
  await server?.stop();
  await rm(home, { recursive: true, force: true });
});

describe('node agent', () => {
  it('serves the SDKs the same credentials as the server, and forty processes polling at once cost the server nothing more', async () => {
    const job = await submit();
    const { relay: r, url } = await relay(60_000);
    const direct = await awsKeys(upstream, job.capability);
    const viaAgent = await awsKeys(url, job.capability);
    assert.equal(viaAgent.accessKeyId, direct.accessKeyId);
    assert.equal(viaAgent.sessionToken, direct.sessionToken);
    assert.equal(await alibabaKeys(url, job.capability), direct.accessKeyId);
    const before = r.stats().upstream;
    assert.equal(before, 2, 'one request per shape of document');
    const many = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? awsKeys(url, job.capability).then((k) => k.accessKeyId) : alibabaKeys(url, job.capability))));
    assert.deepEqual(new Set(many), new Set([direct.accessKeyId]));
    assert.equal(r.stats().upstream, before, 'all from the cache');
  });

  it('passes the launcher’s heartbeat through, and refuses an unknown capability as the server does', async () => {
    const job = await submit();
    const { relay: r, url } = await relay(60_000);
    const beat = await fetch(`${url}/v1/launcher/heartbeat`, { method: 'POST', headers: { authorization: job.capability }, body: '{}' });
    assert.equal(beat.status, 200);
    assert.deepEqual(await beat.json(), { stop: false, state: 'Running' });
    const unknown = await fetch(`${url}/v1/container-credentials`, { headers: { authorization: 'x'.repeat(43) } });
    assert.deepEqual([unknown.status, await unknown.json()], [403, { Code: 'Forbidden', Message: 'forbidden' }]);
    const none = await fetch(`${url}/v1/container-credentials`);
    assert.equal(none.status, 403);
    // Not a capability at all (too long to be one): refused on the node, neither cached nor relayed.
    const before = r.stats();
    const long = await fetch(`${url}/v1/container-credentials`, { headers: { authorization: 'x'.repeat(4000) } });
    assert.equal(long.status, 403);
    assert.deepEqual([r.stats().upstream, r.stats().entries], [before.upstream, before.entries]);
    const big = await fetch(`${url}/v1/launcher/end`, { method: 'POST', headers: { authorization: job.capability }, body: 'x'.repeat(5000) });
    assert.equal(big.status, 413);
  });

  it('refuses a job stopped on the server within the revalidation time', async () => {
    const job = await submit();
    const { url } = await relay(300);
    assert.ok((await awsKeys(url, job.capability)).accessKeyId);
    assert.ok((await call(connectionTo((server as RunningServer).url, admin), 'POST', ['jobs', job.job.id, 'stop'])).ok);
    const until = Date.now() + 5_000;
    let last = await fetch(`${url}/v1/container-credentials`, { headers: { authorization: job.capability } });
    while (last.status === 200 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      last = await fetch(`${url}/v1/container-credentials`, { headers: { authorization: job.capability } });
    }
    assert.deepEqual([last.status, await last.json()], [410, { Code: 'JobEnded', Message: `job ${job.job.id} has ended` }]);
  });

  it('gatehouse jobs run --agent: the processes read through the node agent, and the launcher reports through it', async () => {
    const { relay: r, url } = await relay(60_000);
    const out = await mkdtemp(join(home, 'job-'));
    const before = r.stats().served;
    const run = await gatehouseCli(['jobs', 'run', '--workspace', 'w', '--agent', url, '--', process.execPath, PROBE, out, 'hold'], admin, { endpoint: (server as RunningServer).url, home });
    assert.equal(run.code, 0, run.stderr);
    const probe = JSON.parse(await readFile(join(out, 'rank-0.json'), 'utf8')) as { env: Record<string, string>; container: { accessKeyId: string; arn: string; error?: string } };
    assert.equal(probe.env['AWS_CONTAINER_CREDENTIALS_FULL_URI'], `${url}/v1/container-credentials`);
    assert.ok(probe.env['ALIBABA_CLOUD_CREDENTIALS_URI']?.startsWith(`${url}/v1/credentials/`));
    assert.equal(probe.container.error, undefined, probe.container.error);
    assert.match(probe.container.arn, /:assumed-role\/GatehouseTrainingDefaultRole\/job-/);
    // The rank's reads, the launcher's credentials file, its heartbeats and its end all went through the agent.
    assert.ok(r.stats().served - before >= 3, JSON.stringify(r.stats()));
    const id = probe.env['GATEHOUSE_JOB_ID'] ?? '';
    const job = await call(connectionTo((server as RunningServer).url, admin), 'GET', ['jobs', id]);
    assert.ok(job.ok);
    assert.equal((job.value as { state: string }).state, 'Succeeded');
    const bad = await gatehouseCli(['jobs', 'run', '--workspace', 'w', '--agent', 'http://127.0.0.1:1/path', '--', 'true'], admin, { endpoint: (server as RunningServer).url, home });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--agent must be the base URL of a node agent \(http:\/\/HOST:PORT\), got `http:\/\/127\.0\.0\.1:1\/path`/);
  });

  it('keeps serving cached credentials while the server is unreachable, and nothing else', async () => {
    const job = await submit();
    const { relay: r, url } = await relay(200);
    const cached = await awsKeys(url, job.capability);
    const cachedAli = await alibabaKeys(url, job.capability);
    const other = await submit();
    await (server as RunningServer).stop();
    server = undefined;
    await new Promise((res) => setTimeout(res, 300));
    // Past the revalidation time: the relay asks the server, cannot reach it, and serves what it holds.
    assert.equal((await awsKeys(url, job.capability)).accessKeyId, cached.accessKeyId);
    await new Promise((res) => setTimeout(res, 300));
    assert.equal((await awsKeys(url, job.capability)).accessKeyId, cached.accessKeyId);
    assert.equal(await alibabaKeys(url, job.capability), cachedAli);
    assert.ok(r.stats().servedStale >= 1, JSON.stringify(r.stats()));
    // A job whose credentials were never fetched through this node: nothing to serve.
    const missing = await fetch(`${url}/v1/container-credentials`, { headers: { authorization: other.capability } });
    const body = (await missing.json()) as { Code: string; Message: string };
    assert.deepEqual([missing.status, body.Code], [503, 'Unavailable']);
    assert.match(body.Message, /cannot be reached/);
    assert.equal(body.Message.includes(other.capability), false, 'the capability is a secret');
  });
});

describe('node agent upstream', () => {
  it('reaches a server on a port fetch refuses (6665, on the browsers’ blocked list)', async (t) => {
    // A stand-in for the server's credential endpoint: what is tested is the relay's own HTTP client.
    const { createServer } = await import('node:http');
    const expiration = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const stand = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ Code: 'Success', AccessKeyId: 'ASIASTANDIN', Expiration: expiration }));
    });
    const bound = await new Promise<boolean>((resolve) => {
      stand.once('error', () => resolve(false));
      stand.listen(6665, '127.0.0.1', () => resolve(true));
    });
    if (!bound) return t.skip('127.0.0.1:6665 is taken');
    try {
      const r = createRelay({ upstream: 'http://127.0.0.1:6665', revalidateMs: 60_000 });
      relays.push(r);
      const at = await r.listen('127.0.0.1', 0);
      const a = await fetch(`http://127.0.0.1:${at.port}/v1/container-credentials`, { headers: { authorization: 'c'.repeat(43) } });
      assert.deepEqual([a.status, ((await a.json()) as { AccessKeyId: string }).AccessKeyId], [200, 'ASIASTANDIN']);
    } finally {
      await new Promise((r) => stand.close(r));
    }
  });
});

describe('node agent misconfigured', () => {
  it('names an upstream that answers 200 with something other than credentials', async () => {
    const { createServer } = await import('node:http');
    const other = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
    });
    const port = await new Promise<number>((resolve) => other.listen(0, '127.0.0.1', () => resolve((other.address() as { port: number }).port)));
    try {
      const r = createRelay({ upstream: `http://127.0.0.1:${port}`, revalidateMs: 60_000 });
      relays.push(r);
      const at = await r.listen('127.0.0.1', 0);
      const a = await fetch(`http://127.0.0.1:${at.port}/v1/credentials/${'c'.repeat(43)}`);
      const body = (await a.json()) as { Code: string; Message: string };
      assert.deepEqual([a.status, body.Code], [502, 'BadGateway']);
      assert.match(body.Message, /is not a credentials document \(no Expiration\): is --upstream the server's credential endpoints\?/);
    } finally {
      await new Promise((r) => other.close(r));
    }
  });
});

describe('gatehouse agent (the command)', () => {
  it('starts, serves its health check, and stops on SIGTERM; a bad option is refused by name', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [GATEHOUSE_BIN, 'agent', '--upstream', 'http://127.0.0.1:9', '--listen', `127.0.0.1:${port}`, '--revalidate', '5'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    const until = Date.now() + 20_000;
    while (!err.includes('serving job credentials on') && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    assert.match(err, new RegExp(`gatehouse agent: serving job credentials on http://127\\.0\\.0\\.1:${port}, from http://127\\.0\\.0\\.1:9 \\(checked every 5 s\\)`));
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, err);
    const bad = spawn(process.execPath, [GATEHOUSE_BIN, 'agent', '--upstream', 'ftp://x', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let badErr = '';
    bad.stderr.on('data', (d: Buffer) => (badErr += d.toString()));
    assert.equal(await new Promise<number | null>((r) => bad.once('exit', r)), 1);
    assert.match(badErr, /--upstream must be an http:\/\/ or https:\/\/ URL/);
  });
});
