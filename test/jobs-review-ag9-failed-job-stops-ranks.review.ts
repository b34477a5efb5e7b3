/**
 * Review ag, finding 9: a job the server marked Failed while its launcher was unheard (no heartbeat for the timeout: a
 * network cut, a suspended host, a server restart taking long) kept running on its node. The sweep ends it and revokes
 * its sessions, its credential endpoints answer 410, but the launcher's next heartbeat was answered `{stop: false,
 * state: "Failed"}`: only a stop (`Stopped`) told the launcher to signal its ranks, which ran on without credentials
 * while `jobs get` said Failed. Now any end answers `stop: true` (with the reason), and the launcher stops the ranks.
 * Real server (SQLite) with a 1-second heartbeat timeout; the launcher's heartbeat as `jobs run` sends it.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_CREDENTIALS_FILE, startServer, type RunningServer } from '../src/main/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

let dataDir = '';
let server: RunningServer;
let admin: { accessKeyId: string; secretAccessKey: string };

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'gh-review-ag9-'));
  server = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => undefined, audit: { maxUnwrittenMs: 30_000 }, jobHeartbeatTimeoutMs: 1000 });
  const file = JSON.parse(await readFile(join(dataDir, ADMIN_CREDENTIALS_FILE), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
  admin = { accessKeyId: file.AccessKeyId, secretAccessKey: file.SecretAccessKey };
  const ws = await gatehouseJson(server.url, admin, 'PUT', '/v1/workspaces/w', { members: [{ user: 'admin' }] });
  assert.equal(ws.status, 200, JSON.stringify(ws.json));
});
after(async () => {
  await server?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

test('a launcher heard again after its job was marked Failed is told to stop its ranks', async () => {
  const submitted = await gatehouseJson(server.url, admin, 'POST', '/v1/jobs', { workspace: 'w', role: 'none', imds: false });
  assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
  const { job, capability, environment } = submitted.json as { job: { id: string }; capability: string; environment: Record<string, string> };
  const agent = new URL(environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').origin;
  const beat = async () => {
    const r = await fetch(`${agent}/v1/launcher/heartbeat`, { method: 'POST', headers: { authorization: capability, 'content-type': 'application/json' }, body: '' });
    assert.equal(r.status, 200);
    return (await r.json()) as { stop: boolean; state: string; reason?: string };
  };
  assert.deepEqual(await beat(), { stop: false, state: 'Running' });
  // Unheard past the timeout: the sweep (every 500 ms here) marks it Failed.
  const deadline = Date.now() + 10_000;
  let state = '';
  while (Date.now() < deadline) {
    state = String((await gatehouseJson(server.url, admin, 'GET', `/v1/jobs/${job.id}`)).json['state']);
    if (state === 'Failed') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(state, 'Failed');
  const answer = await beat();
  // Before the fix: {stop: false, state: 'Failed'}, and the ranks ran on.
  assert.equal(answer.stop, true, JSON.stringify(answer));
  assert.equal(answer.state, 'Failed');
  assert.match(String(answer.reason), /no heartbeat/);
});
