/**
 * Review agent, A2: the node agent relays a credentials URI only as one capability, never as a path. It sent
 * `GET /v1/credentials/<cap>` upstream as it came, and node:http resolves dot segments, so
 * `/v1/credentials/aaaaaaaaaaaaaaaa/../../../x` reached `GET /x` on the upstream host (outside an `--upstream` path
 * prefix as well) and any non-200 answer was relayed whole to the caller: any process able to reach the agent
 * could read GET answers of the host the agent trusts. Now the segment is percent-decoded, must be 16–128
 * characters without `/` or `\`, and is sent encoded again (403 otherwise, nothing asked upstream). Checked
 * against a recording upstream with a path prefix, and against a real server with the Alibaba credentials SDK
 * (a percent-encoded capability is the same capability).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Alibaba from '@alicloud/credentials';
import { call } from '../src/adapters/cli/client.ts';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { connectionTo, keysOf } from './support/processes.ts';

let home: string;
let server: RunningServer;
let stub: Server;
const seen: string[] = [];
const relays: Relay[] = [];

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-agent-review-a2-'));
  server = await startServer({ dataDir: join(home, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => {} });
  stub = createServer((req, res) => {
    seen.push(req.url ?? '');
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end(`private answer for ${req.url}`);
  });
  await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
});
after(async () => {
  for (const r of relays) await r.close();
  await new Promise<void>((r) => stub.close(() => r()));
  await server?.stop();
  await rm(home, { recursive: true, force: true });
});

async function relayTo(upstream: string): Promise<{ relay: Relay; url: string }> {
  const relay = createRelay({ upstream, revalidateMs: 60_000 });
  relays.push(relay);
  const at = await relay.listen('127.0.0.1', 0);
  return { relay, url: `http://127.0.0.1:${at.port}` };
}

/** A GET with the path exactly as given (no client-side dot-segment resolution). */
function get(url: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

test('A2: a credentials URI path with / or dot segments is refused, never sent upstream', async () => {
  const port = (stub.address() as { port: number }).port;
  const { url } = await relayTo(`http://127.0.0.1:${port}/gatehouse`);
  for (const path of [
    '/v1/credentials/aaaaaaaaaaaaaaaa/../../../../admin/users',
    '/v1/credentials/aaaaaaaaaaaaaaaa/../../../admin',
    '/v1/credentials/aaaaaaaaaaaaaaaa%2F..%2F..%2F..%2Fadmin',
    '/v1/credentials/aaaaaaaaaaaaaaaa%5C..%5Cadmin',
    '/v1/credentials/%E0%A4%A',
  ]) {
    const r = await get(url, path);
    assert.equal(r.status, 403, `${path}: ${r.body}`);
    assert.doesNotMatch(r.body, /private answer/, path);
  }
  assert.deepEqual(seen, []);
  // A capability is still asked for, under the prefix: as the job's one entry, the container endpoint's (review ek, 2).
  // The stub's 404 is no refusal of a Gatehouse server (JSON with Code and Message): 502, its text not passed on
  // (review iq, 1).
  const ok = await get(url, '/v1/credentials/bbbbbbbbbbbbbbbb.c-d_e~f');
  assert.equal(ok.status, 502);
  assert.doesNotMatch(ok.body, /private answer/);
  assert.deepEqual(seen, ['/gatehouse/v1/container-credentials']);
});

test('A2: the Alibaba credentials SDK reads a job\'s credentials through the agent, a percent-encoded capability too', async () => {
  assert.ok(server.adminCredentials);
  const conn = connectionTo(server.url, keysOf(server.adminCredentials));
  assert.ok((await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
  const r = await call<{ capability: string; environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', imds: false } });
  assert.ok(r.ok, JSON.stringify(r));
  const upstream = (r.value.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').replace(/\/v1\/container-credentials$/, '');
  const { relay, url } = await relayTo(upstream);
  const direct = await (await fetch(`${upstream}/v1/credentials/${r.value.capability}`)).json() as { AccessKeyId: string };
  const sdk = await new Alibaba.default(new Alibaba.Config({ type: 'credentials_uri', credentialsURI: `${url}/v1/credentials/${r.value.capability}` })).getCredential();
  assert.equal(sdk.accessKeyId, direct.AccessKeyId);
  const encoded = [...r.value.capability].map((ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`).join('');
  const again = await get(url, `/v1/credentials/${encoded}`);
  assert.equal(again.status, 200, again.body);
  assert.equal((JSON.parse(again.body) as { AccessKeyId: string }).AccessKeyId, direct.AccessKeyId);
  // The same capability, one cache entry: the server was asked once.
  assert.equal(relay.stats().upstream, 1);
});
