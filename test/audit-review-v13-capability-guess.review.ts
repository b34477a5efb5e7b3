/**
 * Review V, P6 (fixed at integration): a request to a job's credential endpoints with a capability no job holds (or
 * none) got 403 and left no record, where every other door records a refused authentication (flood-limited). Guessing
 * capabilities left no trail. Now each is recorded as a refused authentication, never with the capability itself.
 * A real server: its container-credentials and Alibaba credentials endpoints, fetched as the SDKs do.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { auditRecords, startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;

before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s?.stop();
});

test('a wrong or missing job capability is recorded, without the capability', async () => {
  const guess = 'guessed-capability-0123456789abcdef';
  for (const [path, headers] of [
    ['/v1/container-credentials', { authorization: guess }],
    ['/v1/container-credentials', {}],
    [`/v1/credentials/${guess}`, {}],
  ] as const) {
    const r = await fetch(`${s.running.agentUrl}${path}`, { headers });
    assert.equal(r.status, 403, path);
  }
  const beat = await fetch(`${s.running.agentUrl}/v1/launcher/heartbeat`, { method: 'POST', headers: { authorization: guess } });
  assert.equal(beat.status, 403);

  const q = await auditRecords(s, { decision: 'Deny' });
  const refused = q.filter((r) => r.action === 'gatehouse:GetJobCredentials' || r.action === 'POST /v1/launcher/heartbeat');
  assert.equal(refused.length, 4, JSON.stringify(q.map((r) => [r.action, r.decision])));
  assert.ok(!JSON.stringify(q).includes(guess), 'the capability is never recorded');
});
