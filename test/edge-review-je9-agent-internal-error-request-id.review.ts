/**
 * Review je, 9. The credential endpoints for jobs (`--agent-listen`) answered a bug `500 {"Code": "InternalError",
 * "Message": "internal error"}` and logged `agent: internal error: <message>`: no stack, and nothing that ties the
 * line to the answer, so the SDK's error a job printed (`internal error`) led the operator to no line in particular. The
 * API port and the S3 gateway log a bug with the request id they answer (reviews je, 3 and 8).
 *
 * Now the agent draws a request id for the failure, answers it in the message (`internal error (request <id>)`; the
 * endpoints' documents have no field for it) and logs it with the stack. An agent over the real server's application
 * whose job use cases fail as a bug does.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createAgent, type Agent } from '../src/adapters/agent/server.ts';
import type { App } from '../src/app/index.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
let agent: Agent;
let url = '';
const logs: string[] = [];

before(async () => {
  s = await startTestServer();
  // Delivering credentials fails as a bug would; the rest is the application's.
  const real = s.running.app.jobs;
  const jobs = { ...real, credentialsFor: () => Promise.reject(new Error('je9: a bug in a job use case')) } as App['jobs'];
  agent = createAgent({ app: { ...s.running.app, jobs }, log: (line) => void logs.push(line) });
  const at = await agent.listen('127.0.0.1', 0);
  url = `http://127.0.0.1:${at.port}`;
});
after(async () => {
  await agent?.close();
  await s?.stop();
});

test('a bug is answered with a request id that the log line, with its stack, names', async () => {
  const r = await fetch(`${url}/v1/container-credentials`, { headers: { authorization: 'some-capability' } });
  const body = (await r.json()) as { Code: string; Message: string };
  assert.equal(r.status, 500, JSON.stringify(body));
  assert.equal(body.Code, 'InternalError');
  const id = /request ([0-9a-f-]{36})/.exec(body.Message)?.[1];
  assert.ok(id, `the answer names no request id: ${body.Message}`);
  const line = logs.find((l) => l.includes('je9: a bug in a job use case'));
  assert.ok(line, logs.join('\n'));
  assert.ok(line.includes(id), `the log line does not name request ${id}: ${line}`);
  assert.match(line, /\n\s+at /, 'the log line has no stack');
});
