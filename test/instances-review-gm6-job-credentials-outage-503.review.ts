/**
 * Review gm, 6: a job's first credentials fetched while PostgreSQL cannot be reached were answered 500 InternalError
 * "internal error" by the credentials URI (`AWS_CONTAINER_CREDENTIALS_FULL_URI`, the Alibaba credentials URI) and 500
 * by the job's metadata endpoint, and every fetch logged `agent: internal error: PostgreSQL is unavailable …` (each
 * rank of each job polls). Every other door answers an outage 503, which clients retry and the node agent takes as
 * "server unreachable" (it keeps serving what it holds). Now the job's endpoints answer 503 `Unavailable` saying the
 * database cannot be reached, logged once every few seconds.
 *
 * A real server on 127.0.0.1 on the test PostgreSQL through a TCP proxy that the test takes down (every connection
 * cut, new ones refused) and back up.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningServer } from '../src/main/server.ts';
import { pgSkip } from './support/postgres.ts';
import { pgOutageJobsWorld, type PgOutageJobsWorld } from './support/pg-outage-jobs.ts';
import { gatehouseJson } from './support/resource-server.ts';

const skip = await pgSkip();

describe('review gm6: a job credentials endpoint answers a database outage 503, not 500', { skip }, () => {
  let world: PgOutageJobsWorld;
  let running: RunningServer;
  let admin: PgOutageJobsWorld['admin'];
  let logs: string[];

  before(async () => {
    world = await pgOutageJobsWorld('gm6');
    ({ running, admin, logs } = world);
  });
  after(async () => {
    await world?.close();
  });

  it('the first fetch during the outage: 503 Unavailable on both endpoints, said once in the log', async () => {
    assert.equal((await gatehouseJson(running.url, admin, 'PUT', '/v1/workspaces/gm6', { members: [{ user: 'admin' }] })).status, 200);
    const submitted = await gatehouseJson(running.url, admin, 'POST', '/v1/jobs', { workspace: 'gm6', role: 'arn:aws:iam::000000000000:role/gm6', imds: true });
    assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
    const env = (submitted.json as { environment: Record<string, string> }).environment;
    const container = (): Promise<Response> => fetch(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] as string, { headers: { authorization: env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] as string } });
    const base = (env['AWS_EC2_METADATA_SERVICE_ENDPOINT'] as string).replace(/\/$/, '');
    const metadata = async (): Promise<Response> => {
      const token = await fetch(`${base}/latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' } });
      assert.equal(token.status, 200);
      return fetch(`${base}/latest/meta-data/iam/security-credentials/gm6`, { headers: { 'x-aws-ec2-metadata-token': await token.text() } });
    };
    await running.app.audit.flush();

    world.takeDown();
    logs.length = 0;
    for (let i = 0; i < 3; i++) {
      const c = await container();
      const body = await c.text();
      assert.equal(c.status, 503, `the credentials URI during the outage: ${c.status} ${body}`);
      assert.equal((JSON.parse(body) as { Code?: string }).Code, 'Unavailable', body);
      assert.match(body, /database/);
      const m = await metadata();
      assert.equal(m.status, 503, `the metadata endpoint during the outage: ${m.status} ${await m.text()}`);
    }
    assert.equal(logs.filter((l) => /internal error/.test(l)).length, 0, logs.join('\n'));
    assert.ok(logs.filter((l) => /cannot be reached|unavailable/i.test(l)).length <= 2, `said once, not per fetch:\n${logs.join('\n')}`);

    world.bringUp();
  });
});
