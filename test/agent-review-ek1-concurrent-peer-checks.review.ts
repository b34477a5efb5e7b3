/**
 * Review ek, 1: a job's metadata endpoint failed the ranks that read it at the same moment. The peer check (which uid
 * owns the connecting socket, peer-uid.ts) read and parsed the whole of `/proc/net/tcp` and `/proc/net/tcp6` once per
 * connection, each read on its own: N connections arriving together cost N full reads of the socket table, one after
 * another on the libuv pool and the event loop. A training node's table is large (NCCL, data loaders, S3 connections,
 * thousands of TIME_WAIT rows), a read of it takes milliseconds to tens of milliseconds, and the AWS SDK v3
 * instance-metadata provider gives each request 1 s and no retry (credential-protocols §2.2 "timeout 1000 ms per
 * request, maxRetries 0"): with about a hundred processes starting together (ranks, data-loader workers) the token
 * PUTs waited their turn past that second, the SDK fell back to IMDSv1 for the call and got 401, or timed out, and
 * the processes got no credentials. Now the lookups that arrive while the table is being read share the next read
 * (a read that begins after they asked, so that their sockets are in it): a burst costs two reads, not one a
 * connection.
 *
 * Real server and a real node agent (the metadata endpoints of both, each with the uid check of the launcher's uid);
 * the socket table is made as large as a busy node's with a few thousand idle loopback connections of this test; 100
 * AWS SDK v3 `fromInstanceMetadata` calls at once. Before the fix: most of them failed on each endpoint (2 of 2 tests
 * failed); after: all get the job's key.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { fromInstanceMetadata } from '@aws-sdk/credential-providers';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const RANKS = 100;
/** Idle loopback connections held open (two table rows each), as a busy node has. */
const IDLE = 1500;

let s: TestServer;
let relay: Relay | undefined;
let sink: Server;
const idle: Socket[] = [];
let job: { capability: string; environment: Record<string, string> };

before(async () => {
  s = await startTestServer();
  const conn = connectionTo(s.url, s.admin);
  const ws = await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } });
  assert.ok(ws.ok, JSON.stringify(ws));
  // The launcher's uid, as `gatehouse jobs run` reports it: the endpoint checks every connection's owner.
  const r = await call<{ capability: string; environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', launcherUid: process.getuid?.() ?? 0 } });
  assert.ok(r.ok, JSON.stringify(r));
  job = r.value;
  sink = createServer((socket) => void idle.push(socket));
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const port = (sink.address() as { port: number }).port;
  for (let i = 0; i < IDLE; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, IDLE - i) }, () => new Promise<void>((resolve, reject) => {
        const c = connect(port, '127.0.0.1', () => resolve());
        c.on('error', reject);
        idle.push(c);
      })),
    );
  }
});
after(async () => {
  for (const c of idle) c.destroy();
  sink?.close();
  await relay?.close();
  await s?.stop();
});

/** `RANKS` instance-metadata reads at once against `endpoint`; the outcome of each (the key id, or the error). */
async function ranksAt(endpoint: string): Promise<string[]> {
  const saved = process.env['AWS_EC2_METADATA_SERVICE_ENDPOINT'];
  process.env['AWS_EC2_METADATA_SERVICE_ENDPOINT'] = endpoint;
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  try {
    const all = await Promise.allSettled(Array.from({ length: RANKS }, () => fromInstanceMetadata({ maxRetries: 0, logger: quiet })()));
    return all.map((x) => (x.status === 'fulfilled' ? x.value.accessKeyId : `failed: ${(x.reason as Error).message}`));
  } finally {
    if (saved === undefined) delete process.env['AWS_EC2_METADATA_SERVICE_ENDPOINT'];
    else process.env['AWS_EC2_METADATA_SERVICE_ENDPOINT'] = saved;
  }
}

function assertAllServed(outcomes: readonly string[], keyId: string): void {
  const failed = outcomes.filter((o) => o !== keyId);
  assert.equal(failed.length, 0, `${failed.length} of ${outcomes.length} ranks got no credentials, e.g. ${failed[0]}`);
}

test('ek1: 100 ranks reading the server’s metadata endpoint at once all get the job’s credentials', async () => {
  const keyId = (await (await fetch(job.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', { headers: { authorization: job.capability } })).json()) as { AccessKeyId: string };
  const endpoint = job.environment['AWS_EC2_METADATA_SERVICE_ENDPOINT'] ?? assert.fail('no metadata endpoint');
  assertAllServed(await ranksAt(endpoint), keyId.AccessKeyId);
});

test('ek1: 100 ranks reading a node agent’s metadata endpoint at once all get the job’s credentials', async () => {
  const upstream = (job.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').replace(/\/v1\/container-credentials$/, '');
  relay = createRelay({ upstream });
  const agent = `http://127.0.0.1:${(await relay.listen('127.0.0.1', 0)).port}`;
  const opened = await fetch(`${agent}/v1/launcher/metadata`, { method: 'POST', headers: { authorization: job.capability }, body: JSON.stringify({ uid: process.getuid?.() ?? 0 }) });
  assert.equal(opened.status, 200);
  const { host, port } = (await opened.json()) as { host: string; port: number };
  const keyId = (await (await fetch(`${agent}/v1/container-credentials`, { headers: { authorization: job.capability } })).json()) as { AccessKeyId: string };
  assertAllServed(await ranksAt(`http://${host}:${port}/`), keyId.AccessKeyId);
});
