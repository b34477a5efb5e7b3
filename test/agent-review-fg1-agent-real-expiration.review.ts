/**
 * Review fg, 1: through a node agent, the credentials file of `gatehouse jobs run --agent` said its credentials had
 * expired about 3 h into an outage, while the session was good for hours more. The launcher keeps the file's
 * `Expiration` advancing while the endpoint it reads cannot be reached, up to the session's real end, which the
 * server names in `x-gatehouse-session-expiration` beside the served `Expiration` (at most about 3 h ahead, core/jobs
 * `servedExpiration`; review agent, cf3). The node agent answered its credential endpoints without that header, so
 * with `--agent` (the way jobs run on a cluster's nodes) the launcher had nothing to advance by, and the file kept the
 * last `Expiration` the agent served: docs/decisions.md promises that the file "never says expired while the session is
 * good". Now the agent's 200s on the container endpoint and the credentials URI name the real end as the server's do.
 *
 * A real server and the real relay in front of it, on a clock 3 h behind (so that what it serves is what it would
 * serve 3 h into the session: an `Expiration` minutes ahead, of a 12 h session); the real launcher (`launch`) runs a
 * rank through the agent; the agent then stops. Before the fix the file kept the agent's last `Expiration` (minutes
 * ahead) and the agent's answers carried no header; after, the file advances to about 3 h ahead, never past the end.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { call } from '../src/adapters/cli/client.ts';
import { launch } from '../src/adapters/launcher/run.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const H = 3600_000;
let s: TestServer;
let relay: Relay | undefined;
let home: string;
let job: { capability: string; environment: Record<string, string> };
let upstream: string;

before(async () => {
  s = await startTestServer();
  home = await mkdtemp(join(tmpdir(), 'gh-agent-review-fg1-'));
  const conn = connectionTo(s.url, s.admin);
  assert.ok((await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
  const r = await call<{ capability: string; environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', imds: false } });
  assert.ok(r.ok, JSON.stringify(r));
  job = r.value;
  upstream = (job.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').replace(/\/v1\/container-credentials$/, '');
});
after(async () => {
  await relay?.close();
  await s?.stop();
  await rm(home, { recursive: true, force: true });
});

test('fg1: the agent’s credential answers name the session’s real end, as the server’s do', async () => {
  const r = createRelay({ upstream });
  const url = `http://127.0.0.1:${(await r.listen('127.0.0.1', 0)).port}`;
  try {
    const server = await fetch(`${upstream}/v1/container-credentials`, { headers: { authorization: job.capability } });
    const real = server.headers.get('x-gatehouse-session-expiration');
    assert.ok(real, 'the server names the real end');
    const container = await fetch(`${url}/v1/container-credentials`, { headers: { authorization: job.capability } });
    assert.equal(container.status, 200);
    assert.equal(container.headers.get('x-gatehouse-session-expiration'), real, 'the container endpoint through the agent');
    const uri = await fetch(`${url}/v1/credentials/${job.capability}`);
    assert.equal(uri.status, 200);
    assert.equal(uri.headers.get('x-gatehouse-session-expiration'), real, 'the credentials URI through the agent');
  } finally {
    await r.close();
  }
});

test('fg1: with the agent gone, the credentials file of `jobs run --agent` advances toward the real end', async () => {
  // The agent 3 h into the session: it serves an Expiration minutes ahead (core/jobs `servedExpiration`).
  relay = createRelay({ upstream, now: () => Date.now() - 3 * H });
  const agentUrl = `http://127.0.0.1:${(await relay.listen('127.0.0.1', 0)).port}`;
  const file = join(home, 'credentials');
  const running = launch({
    jobId: 'fg1',
    capability: job.capability,
    agentUrl,
    environment: { ...job.environment, ALIBABA_CLOUD_CREDENTIALS_URI: `${agentUrl}/v1/credentials/${job.capability}`, AWS_CONTAINER_CREDENTIALS_FULL_URI: `${agentUrl}/v1/container-credentials` },
    command: [process.execPath, '-e', 'setTimeout(() => {}, 3000)'],
    replicas: 1,
    credentialsFile: file,
    profileDir: home,
    baseEnv: { PATH: process.env['PATH'] ?? '' },
    log: () => {},
    heartbeatMs: 200,
  });
  const expiration = async (): Promise<number | undefined> => {
    try {
      return Date.parse((JSON.parse(await readFile(file, 'utf8')) as { Expiration: string }).Expiration);
    } catch {
      return undefined;
    }
  };
  const until = async (what: () => string, cond: (e: number | undefined) => boolean): Promise<void> => {
    const end = Date.now() + 3000;
    while (!cond(await expiration())) {
      if (Date.now() > end) assert.fail(what());
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await until(() => 'the file was never written', (e) => e !== undefined);
  const first = (await expiration()) as number;
  assert.ok(first - Date.now() < 20 * 60_000, `the agent serves an Expiration minutes ahead: ${new Date(first).toISOString()}`);
  await relay.close();
  relay = undefined;
  await until(
    () => `the file kept Expiration ${new Date(first).toISOString()} with the agent gone; the session is good for about 12 h`,
    (e) => e !== undefined && e - Date.now() > 2 * H,
  );
  const doc = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
  assert.ok(Date.parse(doc['Expiration'] ?? '') - Date.now() < 3 * H + 16 * 60_000, `never past what the server would serve: ${doc['Expiration']}`);
  assert.deepEqual(Object.keys(doc), ['AccessKeyId', 'AccessKeySecret', 'SecurityToken', 'Expiration']);
  assert.equal(await running, 0);
});
