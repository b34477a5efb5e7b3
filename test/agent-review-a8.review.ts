/**
 * Review agent, A8: the server's `POST /v1/launcher/end` answers a body over 4 KiB with 413 naming the limit, as
 * the node agent does. It answered 400 "the body must be JSON: {"exitCode": N}" for any body over the limit, JSON or
 * not, which sent a launcher's author looking for a syntax error. Against a real server: the job is not ended by
 * the refused call, and a small body still ends it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { call } from '../src/adapters/cli/client.ts';
import { submitJob } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;

before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s?.stop();
});

test('A8: a launcher end with a body over 4 KiB is 413 naming the limit; the job goes on', async () => {
  const job = await submitJob(s.url, s.admin);
  const base = job.upstream;
  const headers = { authorization: job.capability, 'content-type': 'application/json' };
  assert.equal((await fetch(`${base}/v1/launcher/heartbeat`, { method: 'POST', headers })).status, 200);

  const big = JSON.stringify({ exitCode: 0, note: 'x'.repeat(5000) });
  const refused = await fetch(`${base}/v1/launcher/end`, { method: 'POST', headers, body: big });
  assert.equal(refused.status, 413);
  assert.deepEqual(await refused.json(), { Code: 'Invalid', Message: 'the body must be at most 4096 bytes' });
  const state = await call<{ state: string }>(job.conn, 'GET', ['jobs', job.id]);
  assert.ok(state.ok);
  assert.equal(state.value.state, 'Running');

  const notJson = await fetch(`${base}/v1/launcher/end`, { method: 'POST', headers, body: '{exitCode' });
  assert.equal(notJson.status, 400);
  const ended = await fetch(`${base}/v1/launcher/end`, { method: 'POST', headers, body: JSON.stringify({ exitCode: 0 }) });
  assert.equal(ended.status, 200);
  assert.deepEqual(await ended.json(), { state: 'Succeeded' });
});
