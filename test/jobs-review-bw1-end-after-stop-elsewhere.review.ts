/**
 * Review bw, 1 (found by review bq): a launcher's report of its job's end, made within the second an instance holds
 * the job's copy after the job ended through another instance, was refused 400 ("job … is Failed; it cannot become
 * Succeeded"): the copy said Running, the store said ended. An end reported after the end is known here is answered
 * with the job as it is; so now is one reported after an end made elsewhere. The job keeps the end it had, and no
 * second end is recorded.
 *
 * Instances here are Apps on the test server's SQLite store, each with its own (frozen) clock.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { App } from '../src/app/index.ts';
import type { Store } from '../src/app/ports/store.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { instanceBeside } from './support/instances.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
const stores: Store[] = [];
const T = Date.now();

async function instance(): Promise<App> {
  const { app, store } = await instanceBeside(server, { now: () => T });
  stores.push(store);
  return app;
}

before(async () => {
  server = await startTestServer();
  assert.ok((await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/w', { members: [{ user: 'admin' }] })).status < 300);
});
after(async () => {
  for (const s of stores) await s.close().catch(() => {});
  await server?.stop();
});

describe('an end reported through B just after the job ended through A (review bw, 1)', () => {
  it('is answered with the job as A ended it, not refused', async () => {
    const a = await instance();
    const b = await instance();
    const sub = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'w', role: 'default', imds: false });
    assert.equal(sub.status, 201, JSON.stringify(sub.json));
    const { capability, job } = sub.json as { capability: string; job: { id: string } };
    // B holds the job's copy (Running) for the second.
    assert.ok((await b.jobs.credentialsFor(capability)).ok);
    const failed = await a.jobs.endJob(capability, 3);
    assert.ok(failed.ok && failed.value.state === 'Failed', JSON.stringify(failed));

    const reported = await b.jobs.endJob(capability, 0);
    assert.ok(reported.ok, `the end reported through B was refused: ${JSON.stringify(reported)}`);
    assert.equal(reported.value.state, 'Failed', 'the job keeps the end it had');
    const events = await gatehouseJson(server.url, server.admin, 'GET', `/v1/jobs/${job.id}/events`);
    assert.equal(events.status, 200, JSON.stringify(events.json));
    const ended = (events.json as { events: { type: string }[] }).events.filter((e) => e.type === 'ended');
    assert.equal(ended.length, 1, `one end recorded: ${JSON.stringify(events.json)}`);
  });
});
