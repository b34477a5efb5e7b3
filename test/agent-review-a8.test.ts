/**
 * Review agent, A8: the server's `POST /v1/launcher/end` answers a body over 4 KiB with 413 naming the limit, as
 * the node agent does. It answered 400 "the body must be JSON: {"exitCode": N}" for any body over the limit, JSON or
 * not, which sent a launcher's author looking for a syntax error. Against a real server: the job is not ended by
 * the refused call, and a small body still ends it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call } from '../src/adapters/cli/client.ts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { connectionTo, keysOf } from './support/processes.ts';

let home: string;
let server: RunningServer;

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-agent-review-a8-'));
  server = await startServer({ dataDir: join(home, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => {} });
});
after(async () => {
  await server?.stop();
  await rm(home, { recursive: true, force: true });
});

test('A8: a launcher end with a body over 4 KiB is 413 naming the limit; the job goes on', async () => {
  assert.ok(server.adminCredentials);
  const conn = connectionTo(server.url, keysOf(server.adminCredentials));
  assert.ok((await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
  const r = await call<{ job: { id: string }; capability: string; environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', imds: false } });
  assert.ok(r.ok, JSON.stringify(r));
  const base = (r.value.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').replace(/\/v1\/container-credentials$/, '');
  const headers = { authorization: r.value.capability, 'content-type': 'application/json' };
  assert.equal((await fetch(`${base}/v1/launcher/heartbeat`, { method: 'POST', headers })).status, 200);

  const big = JSON.stringify({ exitCode: 0, note: 'x'.repeat(5000) });
  const refused = await fetch(`${base}/v1/launcher/end`, { method: 'POST', headers, body: big });
  assert.equal(refused.status, 413);
  assert.deepEqual(await refused.json(), { Code: 'Invalid', Message: 'the body must be at most 4096 bytes' });
  const job = await call<{ state: string }>(conn, 'GET', ['jobs', r.value.job.id]);
  assert.ok(job.ok);
  assert.equal(job.value.state, 'Running');

  const notJson = await fetch(`${base}/v1/launcher/end`, { method: 'POST', headers, body: '{exitCode' });
  assert.equal(notJson.status, 400);
  const ended = await fetch(`${base}/v1/launcher/end`, { method: 'POST', headers, body: JSON.stringify({ exitCode: 0 }) });
  assert.equal(ended.status, 200);
  assert.deepEqual(await ended.json(), { state: 'Succeeded' });
});
