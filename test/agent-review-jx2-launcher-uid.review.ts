/**
 * Review jx, 2: the node agent's `POST /v1/launcher/metadata` took the uid its caller named (`{"uid": U}`), or none, on
 * trust. A job's metadata endpoint serves only processes of that uid (peer-uid.ts), and a job's launcher asks for
 * it again on the same port at every heartbeat, so that an agent restarted under the job opens it again. Any user of
 * the node could thus have the agent open an endpoint of their own job that serves another user's processes: naming
 * that user's uid, or none (which served every process). Taking the port another user's ranks read
 * (`AWS_EC2_METADATA_SERVICE_ENDPOINT`) while the agent restarted, they had that user's job write its results with
 * their identity, to their buckets.
 *
 * What is now so: the agent takes the caller's uid from the connection, as its metadata endpoints take their peers'
 * (the kernel's socket table, peer-uid.ts; the agent's port is TCP, not a Unix socket). A uid other than the
 * caller's is refused (403), unless the caller is root, who may act for any uid on the node anyway; a request that
 * names none gets an endpoint serving the caller's uid only. A uid named by a caller that is not in the socket table
 * (another network namespace) cannot be checked and is refused; where there is no table (not Linux), as before.
 *
 * The real server and a real node agent; the launcher's calls come from a process run as `nobody` (uid 65534), so
 * the file runs as root on Linux and is skipped elsewhere. Before the fix 2 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const NOBODY = 65534;
const ANOTHER_USER = 4242;
const skip = process.getuid?.() !== 0 || !existsSync('/proc/net/tcp') ? 'needs root (to run a caller as another uid) and /proc/net/tcp' : false;

let s: TestServer;
let relay: Relay;
let agentUrl: string;

before(async () => {
  if (skip) return;
  s = await startTestServer();
  assert.ok((await call(connectionTo(s.url, s.admin), 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
  const first = await submit();
  relay = createRelay({ upstream: (first.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').replace(/\/v1\/container-credentials$/, ''), revalidateMs: 60_000 });
  agentUrl = `http://127.0.0.1:${(await relay.listen('127.0.0.1', 0)).port}`;
});
after(async () => {
  await relay?.close();
  await s?.stop();
});

async function submit(): Promise<{ capability: string; environment: Record<string, string> }> {
  const r = await call<{ capability: string; environment: Record<string, string> }>(connectionTo(s.url, s.admin), 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', launcherUid: NOBODY } });
  assert.ok(r.ok, JSON.stringify(r));
  return r.value;
}

/** A launcher's `POST /v1/launcher/metadata` with `body`, sent by a process of `uid` (this one for root). */
async function openAs(uid: number, capability: string, body: Record<string, unknown>): Promise<{ status: number; body: { port?: number; Message?: string } }> {
  if (uid === 0) {
    const r = await fetch(`${agentUrl}/v1/launcher/metadata`, { method: 'POST', headers: { authorization: capability }, body: JSON.stringify(body) });
    return { status: r.status, body: (await r.json()) as { port?: number } };
  }
  const script = `fetch(process.env.URL, { method: 'POST', headers: { authorization: process.env.CAP }, body: process.env.BODY }).then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, body: await r.json() })))`;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { uid, gid: uid, env: { URL: `${agentUrl}/v1/launcher/metadata`, CAP: capability, BODY: JSON.stringify(body) } });
  return JSON.parse(stdout) as { status: number; body: { port?: number; Message?: string } };
}

const tokenStatus = async (port: number): Promise<number> => (await fetch(`http://127.0.0.1:${port}/latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' } })).status;

/** `tokenStatus` asked by a process of `uid`. */
async function tokenStatusAs(uid: number, port: number): Promise<number> {
  const script = `fetch(process.env.URL, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' } }).then((r) => process.stdout.write(String(r.status)))`;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { uid, gid: uid, env: { URL: `http://127.0.0.1:${port}/latest/api/token` } });
  return Number(stdout);
}

describe('jx 2: the launcher’s uid is the caller’s', { skip }, () => {
  it('a caller that names another user’s uid is refused (403), and no endpoint is opened', async () => {
    const job = await submit();
    const before = relay.stats().metadataEndpoints;
    const r = await openAs(NOBODY, job.capability, { uid: ANOTHER_USER });
    assert.equal(r.status, 403, JSON.stringify(r.body));
    assert.equal(r.body.Message, `uid ${ANOTHER_USER} is not the caller's: this request comes from a process of uid ${NOBODY}, and a launcher opens its job's metadata endpoint for its own uid only`);
    assert.equal(relay.stats().metadataEndpoints, before);
  });

  it('a caller that names no uid gets an endpoint serving its own uid only, not every process', async () => {
    const job = await submit();
    const r = await openAs(NOBODY, job.capability, {});
    assert.equal(r.status, 200, JSON.stringify(r.body));
    // This process is root: not the caller's uid, so refused.
    assert.equal(await tokenStatus(r.body.port as number), 403);
  });

  it('a caller that names its own uid gets an endpoint serving it', async () => {
    const job = await submit();
    const r = await openAs(NOBODY, job.capability, { uid: NOBODY });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(await tokenStatus(r.body.port as number), 403, 'served to uid 65534 only');
    assert.equal(await tokenStatusAs(NOBODY, r.body.port as number), 200);
  });

  it('root may name any uid (it reads every process’s environment anyway)', async () => {
    const job = await submit();
    const theirs = await openAs(0, job.capability, { uid: ANOTHER_USER });
    assert.equal(theirs.status, 200, JSON.stringify(theirs.body));
    assert.equal(await tokenStatus(theirs.body.port as number), 403);
    const mine = await openAs(0, (await submit()).capability, {});
    assert.equal(mine.status, 200);
    assert.equal(await tokenStatus(mine.body.port as number), 200);
  });
});
