/**
 * Review qo, 2: `audit query --job` (GET /v1/audit `job=`) found a job's records only for its id exactly as drawn, lower
 * case. A job's id in upper case (as a ticket or a case-folding form writes it) and the job's ARN
 * (`arn:aws:training::A:job/ID`, or `acs:pai::A:job/ID`: what every decision about a job, `jobs get`'s refusals and
 * `gatehouse:GetJobCredentials` records name it by) were compared as typed and answered "no records match", as if the job
 * had done nothing; review pa, 5 made `principal=` and `role=` read names as records spell them, not `job=`. Job ids are
 * drawn lower-case, always (src/app/jobs.ts `newJobId`, src/app/kube.ts for pods), and every record names a job by that
 * id. Now a `job` filter that is a job's ARN, in either dialect's spelling, reads as its id, and a drawn id in any case
 * as the lower-case one records carry.
 *
 * Real server on 127.0.0.1, the admin API as the CLI calls it; the job submitted with POST /v1/jobs and stopped.
 *
 * Before the fix 3 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { settled, SETTLE_MS } from './support/settle.ts';

const A = '000000000000';

describe('review qo2: the audit filter job= reads a job named by its ARN or in upper case', () => {
  let s: TestServer;
  let id = '';
  /** The (action, decision) of the records `job=value` finds. */
  const found = async (value: string): Promise<string[]> => {
    const r = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?job=${encodeURIComponent(value)}&limit=1000`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return (r.json['records'] as { action: string; decision?: string }[]).map((x) => `${x.action} ${x.decision ?? ''}`);
  };
  let expected: string[] = [];
  before(async () => {
    s = await startTestServer();
    const ws = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/workspaces/qo2', { members: [{ user: 'admin' }] });
    assert.ok(ws.status < 300, JSON.stringify(ws.json));
    const sub = await gatehouseJson(s.url, s.admin, 'POST', '/v1/jobs', { workspace: 'qo2', role: 'none', imds: false });
    assert.equal(sub.status, 201, JSON.stringify(sub.json));
    id = (sub.json['job'] as { id: string }).id;
    const stop = await gatehouseJson(s.url, s.admin, 'POST', `/v1/jobs/${id}/stop`, {});
    assert.equal(stop.status, 200, JSON.stringify(stop.json));
    // The records are written as the changes commit, and read back once queued ones are in.
    // (to a bound of time, settle.ts, not 50 tries)
    expected = await settled(() => found(id), (got) => got.some((x) => x.startsWith('training:JobStateChange Stopped')), SETTLE_MS, 50);
  });
  after(() => s?.stop());

  it('by its id, the job’s records: its submission and its stop', () => {
    assert.ok(expected.some((x) => x.startsWith('training:CreateJob')), JSON.stringify(expected));
    assert.ok(expected.some((x) => x === 'training:JobStateChange Stopped'), JSON.stringify(expected));
  });

  it('by its id in upper case, the same records', async () => {
    assert.deepEqual(await found(id.toUpperCase()), expected);
  });

  it('by its ARN, the same records', async () => {
    assert.deepEqual(await found(`arn:aws:training::${A}:job/${id}`), expected);
  });

  it('by its ARN in the Alibaba spelling, the same records', async () => {
    assert.deepEqual(await found(`acs:pai::${A}:job/${id}`), expected);
  });
});
