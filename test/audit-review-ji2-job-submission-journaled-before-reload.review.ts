/**
 * Review ji, 2: a job's submission (POST /v1/jobs, `gatehouse jobs submit`; a cluster node's start) was recorded, and so
 * journaled, only after the job's write had returned, that is after the app's reload of compiled state that every write
 * awaits once its transaction commits (src/app/index.ts). A process killed there (kill -9, the out-of-memory killer, an
 * orchestrator's SIGKILL while that read hangs on a database that stopped answering) left a job stored, Queued, whose
 * launcher fetches the role's sessions, and no record of who submitted it, though README §7 promises a hard crash loses
 * no change or job record; the default role a first default-role job makes (its CreateRole record) likewise. Now both
 * are recorded through Store.write's committed callback as the job's transaction commits.
 *
 * A real `gatehouse server` process on the test PostgreSQL behind a TCP proxy that passes the COMMIT of the write of the
 * job and its answer, then holds every byte; the process is SIGKILLed while the reload waits; a second start on the same
 * data dir and schema recovers the journal. The admin API.
 *
 * Before the fix 1 of 2 tests failed (no record of the submission nor of the default role, though the job exists).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { commitFreezeWorld, type RestartedServer } from './support/commit-freeze.ts';
import { pgSkip } from './support/postgres.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { settled } from './support/settle.ts';

const skip = await pgSkip();

describe('review ji2: a job submission is journaled before the reload that follows its commit', { skip, timeout: 120_000 }, () => {
  const world = commitFreezeWorld('ji2');
  let second: RestartedServer | undefined;
  before(() => world.open());
  after(() => world.close());

  it('a job submitted, the database stops answering after the commit, the process is killed: the records are recovered', async () => {
    const first = await world.start(world.proxyUrl);
    const admin = world.admin;
    const ws = await gatehouseJson(first.url, admin, 'PUT', '/v1/workspaces/ji2-ws', { members: [{ user: 'admin' }] });
    assert.equal(ws.status, 200, JSON.stringify(ws.json));
    world.arm((text) => text.includes('job/') && text.includes('INSERT INTO kv'));
    const pending = gatehouseJson(first.url, admin, 'POST', '/v1/jobs', { workspace: 'ji2-ws', name: 'ji2-job', imds: false }).catch((e: unknown) => e);
    assert.equal(await world.waitFrozen(), 'frozen', `the job's write committed, and the database then stopped answering: ${JSON.stringify(await Promise.race([pending, new Promise((r) => setTimeout(() => r('pending'), 10))]))}`);
    // Whatever the server does at once with a committed change (half a second); then the hard stop.
    await world.killHard(first);
    await pending;

    // The database answers again.
    second = await world.restart();
    const jobs = await gatehouseJson(second.url, admin, 'GET', '/v1/jobs');
    assert.equal(jobs.status, 200, JSON.stringify(jobs.json));
    const job = (jobs.json['jobs'] as { id: string; name: string }[]).find((j) => j.name === 'ji2-job');
    assert.ok(job, `the job was stored: ${JSON.stringify(jobs.json)}`);
    const of = async (action: string): Promise<{ action: string; resource: string; decision?: string; job?: string; detail: Record<string, unknown> }[]> => {
      const r = await gatehouseJson(second?.url ?? '', admin, 'GET', `/v1/audit?action=${action}&limit=1000`);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      return (r.json as { records: Awaited<ReturnType<typeof of>> }).records;
    };
    // Appended in the background at start: asked for until it is there, to a bound of time (settle.ts), not 30 tries.
    const submitted = await settled(async () => (await of('training:CreateJob')).filter((x) => x.job === job.id), (got) => got.length > 0);
    // Before the fix: none (the record was to be made after the reload, which the kill cut short).
    assert.equal(submitted.length, 1, `the submission is in the audit log once: ${JSON.stringify(submitted)}`);
    assert.equal(submitted[0]?.decision, 'Allow');
    assert.ok(submitted[0]?.detail['recoveredFromSpool'] !== undefined, 'recovered from the journal');
    // The account's default role, made with its first default-role job.
    const role = (await of('iam:CreateRole')).filter((x) => x.detail['forJob'] === job.id);
    assert.equal(role.length, 1, `the default role's creation is in the audit log once: ${JSON.stringify(role)}`);
  });

  it('the chain verifies', async () => {
    assert.ok(second, 'the second start ran');
    const admin = world.admin;
    const v = await gatehouseJson(second.url, admin, 'GET', '/v1/audit/verify');
    assert.equal(v.status, 200, JSON.stringify(v.json));
    assert.equal(v.json['ok'], true, JSON.stringify(v.json));
  });
});
