/**
 * Review bq, 2: `gatehouse server --workers 2` on one SQLite file. Only worker 1 sweeps jobs; what a worker holds of a
 * job (its cached credentials, its documents, its heartbeat) went only with an end made through that worker, so a
 * worker that served a job ended through the other kept it for the life of the process: worker 2 never sweeps, and
 * worker 1's sweep dropped only its own heartbeat entries. Now every worker, at the sweep's interval, drops what it
 * holds of jobs that ended (`forgetEnded`; worker 1 in its sweep). Seen through `gatehouse_jobs_held` in /metrics,
 * the sum over the workers (review ct, 2: a scrape answers for the server).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startWorkers, type RunningWorkers } from '../src/main/workers.ts';
import { gatehouseJson } from './support/resource-server.ts';

/** A request on a fresh connection: the next worker takes it. */
const fetchOn = (url: string, path: string, headers: Record<string, string>, method = 'GET', body?: string): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const q = request(`${url}${path}`, { method, agent: false, headers }, (r) => {
      let b = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => (b += c));
      r.on('end', () => resolve({ status: r.statusCode ?? 0, body: b }));
    });
    q.on('error', reject);
    q.end(body);
  });

/** `gatehouse_jobs_held` (summed over the workers) as each of `n` fresh connections reads it. */
async function held(url: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await fetchOn(url, '/metrics', {});
    assert.equal(r.status, 200, r.body);
    const line = r.body.split('\n').find((l) => l.startsWith('gatehouse_jobs_held '));
    assert.ok(line !== undefined, 'no gatehouse_jobs_held in /metrics');
    out.push(Number(line.split(' ')[1]));
  }
  return out;
}

describe('every worker drops what it holds of a job ended through another (review bq, 2)', () => {
  let dir = '';
  let w: RunningWorkers;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-bq-forget-'));
    // A sweep every 1.5 s (half the heartbeat timeout).
    w = await startWorkers({ dataDir: join(dir, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', jobHeartbeatTimeoutMs: 3000, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' }, log: () => {} }, 2);
  });
  after(async () => {
    await w?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('a job served by both workers and ended through one is refused by both, and held by neither a sweep later', async () => {
    const file = JSON.parse(await readFile(join(dir, 'data', 'admin-credentials.json'), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
    const admin = { accessKeyId: file.AccessKeyId, secretAccessKey: file.SecretAccessKey };
    assert.ok((await gatehouseJson(w.url, admin, 'PUT', '/v1/workspaces/w', { members: [{ user: 'admin' }] })).status < 300);
    const sub = await gatehouseJson(w.url, admin, 'POST', '/v1/jobs', { workspace: 'w', role: 'default', imds: false });
    assert.equal(sub.status, 201, JSON.stringify(sub.json));
    const { capability } = sub.json as { job: { id: string }; capability: string };
    assert.equal((await fetchOn(w.agentUrl, '/v1/launcher/heartbeat', { authorization: capability }, 'POST')).status, 200);
    // Both workers serve the job, and hold it.
    for (let i = 0; i < 4; i++) {
      const r = await fetchOn(w.agentUrl, '/v1/container-credentials', { authorization: capability });
      assert.equal(r.status, 200, r.body);
    }
    assert.deepEqual(await held(w.url, 4), [2, 2, 2, 2], 'each worker holds the job it served');

    // The launcher reports the end to one of them.
    const end = await fetchOn(w.agentUrl, '/v1/launcher/end', { authorization: capability, 'content-type': 'application/json' }, 'POST', '{"exitCode":0}');
    assert.equal(end.status, 200, end.body);
    // Both refuse it (past the second a worker may hold a job), and hold it again (the lookup caches what it read):
    // whichever worker the end went through, the worker that does not sweep holds it now.
    await sleep(1100);
    for (let i = 0; i < 4; i++) assert.equal((await fetchOn(w.agentUrl, '/v1/container-credentials', { authorization: capability })).status, 410);
    const deadline = Date.now() + 6000;
    for (;;) {
      const now = await held(w.url, 4);
      if (now.every((n) => n === 0)) break;
      assert.ok(Date.now() < deadline, `a worker still holds the job ended through the other, several sweeps after its end: gatehouse_jobs_held ${now.join(', ')}`);
      await sleep(250);
    }
  });
});
