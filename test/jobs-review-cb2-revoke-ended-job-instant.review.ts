/**
 * Review cb, finding 2: `gatehouse sts revoke-sessions --job ID` on a job that has ended answered "sessions issued
 * before <now> are revoked", while the job's end had already revoked its sessions up to the clock skew allowed ahead
 * (now + 15 min, src/app/live.ts CLOCK_SKEW_MS) and that later instant stayed in force. The answer now gives the instant
 * in force. On a running job it is still the instant of the call.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { CLOCK_SKEW_MS } from '../src/app/live.ts';

let server: TestServer;

async function submit(): Promise<string> {
  const submitted = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'w', role: 'none', imds: false });
  assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
  return String((submitted.json['job'] as { id: string }).id);
}

before(async () => {
  server = await startTestServer();
  const ws = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/w', { members: [{ user: 'admin' }] });
  assert.equal(ws.status, 200, JSON.stringify(ws.json));
});
after(async () => {
  await server?.stop();
});

describe('review cb2: revoke-sessions --job tells the instant in force', () => {
  test('an ended job: the end\'s instant, ahead of now', async () => {
    const id = await submit();
    const stopped = await gatehouseJson(server.url, server.admin, 'POST', `/v1/jobs/${id}/stop`, {});
    assert.equal(stopped.status, 200, JSON.stringify(stopped.json));
    const t0 = Date.now();
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/sts/revoke-sessions', { jobId: id });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const before = Number(r.json['revokedBeforeMillis']);
    // Before the fix: the instant of the call.
    assert.ok(before >= t0 + CLOCK_SKEW_MS - 60_000, `revokedBefore ${new Date(before).toISOString()} is not the end's instant (now + ${CLOCK_SKEW_MS} ms)`);
    assert.ok(before <= Date.now() + CLOCK_SKEW_MS, JSON.stringify(r.json));
  });

  test('a running job: the instant of the call', async () => {
    const id = await submit();
    const t0 = Date.now();
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/sts/revoke-sessions', { jobId: id });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const before = Number(r.json['revokedBeforeMillis']);
    assert.ok(before >= t0 && before <= Date.now(), JSON.stringify(r.json));
  });
});
