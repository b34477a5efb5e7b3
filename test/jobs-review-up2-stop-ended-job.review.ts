/**
 * Review up, 2: `jobs stop` (`POST /v1/jobs/{id}/stop`) of a job that had already ended answered two ways. Stopped,
 * it answered 200 with the job as it was (a stop asked twice, or by two operators); Succeeded or Failed, 400
 * ValidationError "job … is Succeeded; it cannot become Stopped" (CLI exit 8, a request breaking a rule), although it was
 * well formed and allowed: a clean-up script ending a list of jobs (README: "end them with `gatehouse jobs stop <id>`
 * after any Gatehouse outage") failed on the one that had just ended by itself, and a stop racing a job's natural end
 * failed or not by which came first. What a stop is asked for, the job ended and its sessions refused, already holds:
 * a stop of any ended job now answers 200 with the job as it is (its state, exit code and reason kept, no second end
 * recorded), as a second stop of a Stopped job did and as a launcher's end reported after the end is answered (review
 * bw, 1); the CLI says the job had already ended. It still needs `training:StopJob`.
 *
 * Before the fix 3 of 4 tests failed.
 *
 * Real server (SQLite), admin API (SigV4), the CLI in process; the launcher's end through a second App on the store.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { App } from '../src/app/index.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, startTestServer, userWithKey, type TestServer } from './support/server.ts';

describe('review up2: a stop of a job that has already ended', () => {
  let s: TestServer;
  let app: App;
  /** A job of workspace `w` that its launcher reported ended with `exitCode`: its id. */
  const ended = async (exitCode: number): Promise<string> => {
    const sub = await gatehouseJson(s.url, s.admin, 'POST', '/v1/jobs', { workspace: 'w', role: 'none', imds: false });
    assert.equal(sub.status, 201, JSON.stringify(sub.json));
    const { capability, job } = sub.json as { capability: string; job: { id: string } };
    const end = await app.jobs.endJob(capability, exitCode);
    assert.ok(end.ok && end.value.state === (exitCode === 0 ? 'Succeeded' : 'Failed'), JSON.stringify(end));
    return job.id;
  };
  const endedEvents = async (id: string): Promise<number> => {
    const events = await gatehouseJson(s.url, s.admin, 'GET', `/v1/jobs/${id}/events`);
    return (events.json['events'] as { type: string }[]).filter((e) => e.type === 'ended').length;
  };
  before(async () => {
    s = await startTestServer();
    app = await s.openApp();
    const ws = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/workspaces/w', { members: [{ user: 'admin' }] });
    assert.equal(ws.status, 200, JSON.stringify(ws.json));
  });
  after(() => s?.stop());

  it('a Succeeded job: 200, the job as it is', async () => {
    const id = await ended(0);
    const r = await gatehouseJson(s.url, s.admin, 'POST', `/v1/jobs/${id}/stop`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json['state'], 'Succeeded');
    assert.equal(r.json['exitCode'], 0);
    assert.equal(await endedEvents(id), 1);
  });

  it('a Failed job: 200, the job as it is', async () => {
    const id = await ended(3);
    const r = await gatehouseJson(s.url, s.admin, 'POST', `/v1/jobs/${id}/stop`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json['state'], 'Failed');
    assert.equal(r.json['exitCode'], 3);
    assert.equal(await endedEvents(id), 1);
  });

  it('`gatehouse jobs stop` exits 0 and says the job had already ended', async () => {
    const id = await ended(0);
    const r = await cliAgainst(s, ['jobs', 'stop', id]);
    assert.equal(r.status, 0, r.err);
    assert.match(r.out, new RegExp(`job ${id} had already ended \\(Succeeded\\)`));
  });

  it('still needs training:StopJob', async () => {
    const id = await ended(0);
    const nobody = await userWithKey(s, 'nobody');
    const r = await gatehouseJson(s.url, nobody, 'POST', `/v1/jobs/${id}/stop`);
    assert.equal(r.status, 403, JSON.stringify(r.json));
  });
});
