/**
 * Review gm, 8: `gatehouse_store_unavailable_total` is documented as the requests answered 503 because the store could
 * not be reached, and alerts are written on it; a job's credentials endpoint answering an outage 503 (review gm, 6)
 * counted nothing there, so an outage that only jobs met (their first sessions refused on every node) left the counter
 * at 0 while the credentials URI refused them. Now each such 503 is counted, as the API edge's are.
 *
 * A real server on 127.0.0.1 on the test PostgreSQL through a TCP proxy that the test takes down; /metrics read before
 * and after.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningServer } from '../src/main/server.ts';
import { pgSkip } from './support/postgres.ts';
import { pgOutageJobsWorld, type PgOutageJobsWorld } from './support/pg-outage-jobs.ts';
import { gatehouseJson } from './support/resource-server.ts';

const skip = await pgSkip();

describe('review gm8: a job endpoint\'s outage 503 is counted in gatehouse_store_unavailable_total', { skip }, () => {
  let world: PgOutageJobsWorld;
  let running: RunningServer;
  let admin: PgOutageJobsWorld['admin'];

  before(async () => {
    world = await pgOutageJobsWorld('gm8');
    ({ running, admin } = world);
  });
  after(async () => {
    await world?.close();
  });

  it('each 503 of the credentials URI during the outage is counted', async () => {
    assert.equal((await gatehouseJson(running.url, admin, 'PUT', '/v1/workspaces/gm8', { members: [{ user: 'admin' }] })).status, 200);
    const submitted = await gatehouseJson(running.url, admin, 'POST', '/v1/jobs', { workspace: 'gm8', role: 'arn:aws:iam::000000000000:role/gm6' });
    assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
    const env = (submitted.json as { environment: Record<string, string> }).environment;
    const container = (): Promise<Response> => fetch(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] as string, { headers: { authorization: env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] as string } });
    const counted = async (): Promise<number> => {
      const text = await (await fetch(`${running.url}/metrics`)).text();
      const m = /^gatehouse_store_unavailable_total (\d+)/m.exec(text);
      assert.ok(m, 'the counter is exported');
      return Number(m[1]);
    };
    await running.app.audit.flush();
    const before = await counted();
    world.takeDown();
    let refused = 0;
    for (let i = 0; i < 3; i++) {
      const c = await container();
      await c.text();
      if (c.status === 503) refused += 1;
    }
    assert.equal(refused, 3, 'the credentials URI answers the outage 503 (review gm 6)');
    assert.equal((await counted()) - before, 3, 'each 503 of the outage is counted');
    world.bringUp();
  });
});
