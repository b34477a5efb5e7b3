/**
 * Review hp, 2: `POST /v1/launcher/end` took any body that was a JSON object as the job's end, and any `exitCode` that
 * was not an integer as exit status 1: `{"exitCode": "0"}` (a string, as a shell script writes it), `{"exitcode": 0}`
 * (misspelt), `{"exitCode": 0.5}` ended a job that had succeeded as Failed (exit 1), and `{"exitCode": -1}` or
 * `{"exitCode": 1e21}` were recorded as its exit status, which no process has. The end cannot be taken back: the job's
 * sessions were revoked and its ranks stopped on a typo. Now an end names its status as a whole number from 0 to 255
 * (`{"exitCode": N}`, nothing else), or gives none (an empty body or `{}`, exit 1, as before); anything else is refused
 * 400 naming `exitCode` and what was given, and the job goes on. Through the server's credential port and a node agent
 * relaying to it. Real server (SQLite), raw HTTP as a launcher sends it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { call } from '../src/adapters/cli/client.ts';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { submitJob, type SubmittedJob } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
let relay: Relay;
let relayUrl: string;
before(async () => {
  s = await startTestServer();
  relay = createRelay({ upstream: s.running.agentUrl });
  relayUrl = `http://127.0.0.1:${(await relay.listen('127.0.0.1', 0)).port}`;
});
after(async () => {
  await relay?.close();
  await s?.stop();
});

async function running(): Promise<SubmittedJob> {
  const job = await submitJob(s.url, s.admin);
  const beat = await fetch(`${job.upstream}/v1/launcher/heartbeat`, { method: 'POST', headers: { authorization: job.capability } });
  assert.equal(beat.status, 200, await beat.text());
  return job;
}

async function end(base: string, job: SubmittedJob, body: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${base}/v1/launcher/end`, { method: 'POST', headers: { authorization: job.capability, 'content-type': 'application/json' }, body });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

async function stateOf(job: SubmittedJob): Promise<{ state: unknown; exitCode: unknown }> {
  const r = await call<{ state?: unknown; exitCode?: unknown }>(job.conn, 'GET', ['jobs', job.id]);
  assert.ok(r.ok, JSON.stringify(r));
  return { state: r.value.state, exitCode: r.value.exitCode };
}

for (const through of ['the server', 'a node agent'] as const) {
  describe(`review hp2: a launcher's end names a real exit status (through ${through})`, () => {
    const base = (job: SubmittedJob): string => (through === 'the server' ? job.upstream : relayUrl);

    test('a status that is no exit status is refused 400 naming exitCode, and the job goes on', async () => {
      const job = await running();
      const cases: [string, RegExp][] = [
        ['{"exitCode": "0"}', /`exitCode` must be the job's exit status, a whole number from 0 to 255, got "0"/],
        ['{"exitCode": 0.5}', /`exitCode` must be .* got 0\.5/],
        ['{"exitCode": -1}', /`exitCode` must be .* got -1/],
        ['{"exitCode": 256}', /`exitCode` must be .* got 256/],
        ['{"exitCode": 1e21}', /`exitCode` must be .* got 1e\+21/],
        ['{"exitCode": null}', /`exitCode` must be .* got null/],
        ['{"exitcode": 0}', /unknown field `exitcode`: the body takes only `exitCode`/],
      ];
      for (const [body, message] of cases) {
        const r = await end(base(job), job, body);
        // Before the fix: 200 {"state": "Failed"} (exit 1, or the number given), the job ended for good.
        assert.equal(r.status, 400, `${body}: ${JSON.stringify(r.json)}`);
        assert.equal(r.json['Code'], 'Invalid', body);
        assert.match(String(r.json['Message']), message, body);
        assert.deepEqual(await stateOf(job), { state: 'Running', exitCode: undefined }, body);
      }
      const ok = await end(base(job), job, '{"exitCode": 0}');
      assert.deepEqual(ok, { status: 200, json: { state: 'Succeeded' } });
      assert.deepEqual(await stateOf(job), { state: 'Succeeded', exitCode: 0 });
    });

    test('an exit status from 1 to 255 ends it Failed with that status; none given, with 1', async () => {
      for (const [body, exitCode] of [['{"exitCode": 143}', 143], ['{"exitCode": 255}', 255], ['', 1], ['{}', 1]] as const) {
        const job = await running();
        const r = await end(base(job), job, body);
        assert.deepEqual(r, { status: 200, json: { state: 'Failed' } }, body);
        assert.deepEqual(await stateOf(job), { state: 'Failed', exitCode }, body);
      }
    });
  });
}
