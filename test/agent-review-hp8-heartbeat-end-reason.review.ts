/**
 * Review hp, 8: a job whose submitter is disabled (or deleted) is Stopped with the reason (`its submitter, user bob, was
 * disabled`), and its launcher learns it at its next heartbeat. That heartbeat, the one that ended the job, answered
 * `{"stop": true, "state": "Stopped"}` without the reason, which every later heartbeat gives, so `jobs run` said only
 * "job … was stopped; stopping its processes", as if someone had stopped it, and stopped the ranks: the user was never
 * told why. Now that answer carries the reason too. Real server (SQLite), the launcher's calls as raw HTTP.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, userWithPolicy, type TestServer } from './support/server.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s?.stop());

test('hp8: the heartbeat that ends a job for its disabled submitter says why', async () => {
  const bob = await userWithPolicy(s, 'bob', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'training:*', Resource: '*' }] }));
  assert.equal((await gatehouseJson(s.url, s.admin, 'PUT', '/v1/workspaces/w', { members: [{ user: 'bob' }] })).status, 200);
  const r = await call<{ job: { id: string }; capability: string }>(connectionTo(s.url, bob), 'POST', ['jobs'], { body: { workspace: 'w', role: 'none', imds: false } });
  assert.ok(r.ok, JSON.stringify(r));
  const beat = async (): Promise<Record<string, unknown>> => {
    const b = await fetch(`${s.running.agentUrl}/v1/launcher/heartbeat`, { method: 'POST', headers: { authorization: r.value.capability } });
    assert.equal(b.status, 200);
    return (await b.json()) as Record<string, unknown>;
  };
  assert.deepEqual(await beat(), { stop: false, state: 'Running' });
  assert.ok((await call(connectionTo(s.url, s.admin), 'POST', ['users', 'bob', 'disable'], {})).ok);
  const why = 'its submitter, user bob, was disabled';
  // Before the fix: {stop: true, state: 'Stopped'}, the reason only at the heartbeat after.
  assert.deepEqual(await beat(), { stop: true, state: 'Stopped', reason: why });
  assert.deepEqual(await beat(), { stop: true, state: 'Stopped', reason: why });
});
