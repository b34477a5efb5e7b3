/**
 * Review fd, 6. `POST /v1/launcher/end` on the job credential port (`--agent-listen`), with the job's capability and the
 * body `null`, was answered 500 InternalError and logged `agent: internal error: Cannot read properties of null`:
 * `JSON.parse` gave null and its `exitCode` was read. The job was left Running, its sessions working. A list or a
 * string was taken as an end with exit code 1. Now a body that is not a JSON object is refused 400 `Invalid`, saying
 * the shape it takes, and the job is not ended; `{"exitCode": N}` (and an empty body) end it as before.
 * Real server (SQLite), a job submitted through the admin API, raw HTTP to its credential port.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { call } from '../src/adapters/cli/client.ts';
import { submitJob, type SubmittedJob } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
let job: SubmittedJob;
before(async () => {
  s = await startTestServer();
  job = await submitJob(s.url, s.admin);
  // The launcher's first heartbeat makes the job Running.
  const beat = await fetch(`${job.upstream}/v1/launcher/heartbeat`, { method: 'POST', headers: { authorization: job.capability } });
  assert.equal(beat.status, 200, await beat.text());
});
after(() => s?.stop());

async function end(body: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${job.upstream}/v1/launcher/end`, { method: 'POST', headers: { authorization: job.capability, 'content-type': 'application/json' }, body });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

async function state(): Promise<unknown> {
  const r = await call<{ state?: unknown; job?: { state?: unknown } }>(job.conn, 'GET', ['jobs', job.id]);
  assert.ok(r.ok, JSON.stringify(r));
  return r.value.job?.state ?? r.value.state;
}

test('a body that is no JSON object is refused 400 and the job goes on', async () => {
  for (const body of ['null', '[]', '"x"', '7']) {
    const r = await end(body);
    assert.equal(r.status, 400, `${body}: ${JSON.stringify(r.json)}`);
    assert.equal(r.json['Code'], 'Invalid');
    assert.match(String(r.json['Message']), /JSON object: \{"exitCode": N\}/);
  }
  assert.equal(await state(), 'Running');
  assert.ok(!s.logs.some((l) => l.includes('internal error')), s.logs.join('\n'));
});

test('{"exitCode": 0} ends it', async () => {
  const r = await end('{"exitCode": 0}');
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json['state'], 'Succeeded');
});
