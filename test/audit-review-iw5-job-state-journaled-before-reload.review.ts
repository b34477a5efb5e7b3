/**
 * Review iw, 5: a job's state change (`gatehouse jobs stop`, an end its launcher reports, a job the sweep fails) was
 * journaled only after the server had reloaded what it changed (the app's store reloads after every write): as for the
 * directory's changes and revocations before reviews iw 3 and 4, a process killed between the change's COMMIT and the end
 * of that read of the database left the job stopped, its sessions revoked, and no record of who stopped it, not even in
 * the journal. Now the state change is recorded (and journaled) as its transaction commits; the answer still waits.
 *
 * A real `gatehouse server` process on the test PostgreSQL behind a TCP proxy that passes the COMMIT of the stop and its
 * answer, then holds every byte; the process is SIGKILLed while the reload waits; a second start on the same data dir
 * and schema recovers the journal. The admin API.
 *
 * Before the fix 1 of 2 tests failed (no record of the stop, though the job is stopped).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { commitFreezeWorld, type RestartedServer } from './support/commit-freeze.ts';
import { pgSkip } from './support/postgres.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { settled } from './support/settle.ts';

const skip = await pgSkip();

describe('review iw5: a job state change is journaled before the reload that follows its commit', { skip, timeout: 120_000 }, () => {
  const world = commitFreezeWorld('iw5');
  let second: RestartedServer | undefined;
  let jobId = '';
  before(() => world.open());
  after(() => world.close());

  it('a job stopped, the database stops answering after the commit, the process is killed: the record is recovered', async () => {
    const first = await world.start(world.proxyUrl);
    const admin = world.admin;
    const ws = await gatehouseJson(first.url, admin, 'PUT', '/v1/workspaces/iw5', { members: [{ user: 'admin' }] });
    assert.ok(ws.status < 300, JSON.stringify(ws.json));
    const sub = await gatehouseJson(first.url, admin, 'POST', '/v1/jobs', { workspace: 'iw5', role: 'none', imds: false });
    assert.equal(sub.status, 201, JSON.stringify(sub.json));
    jobId = (sub.json as { job: { id: string } }).job.id;
    world.arm((text) => jobId !== '' && text.includes(jobId) && text.includes('Stopped'));
    const pending = gatehouseJson(first.url, admin, 'POST', `/v1/jobs/${jobId}/stop`, {}).catch((e: unknown) => e);
    assert.equal(await world.waitFrozen(), 'frozen', 'the stop committed, and the database then stopped answering');
    // Whatever the server does at once with a committed change (half a second); then the hard stop.
    await world.killHard(first);
    await pending;

    // The database answers again.
    second = await world.restart();
    const job = await gatehouseJson(second.url, admin, 'GET', `/v1/jobs/${jobId}`);
    assert.equal((job.json as { state?: string }).state, 'Stopped', 'the stop was committed');
    const secondUrl = second.url;
    type Rec = { action: string; decision?: string; job?: string; principal: string; detail: Record<string, unknown> };
    // Appended in the background at start: asked for until it is there, to a bound of time (settle.ts), not 30 tries.
    const records = await settled(
      async (): Promise<Rec[]> => {
        const r = await gatehouseJson(secondUrl, admin, 'GET', `/v1/audit?job=${jobId}&action=training:JobStateChange&limit=1000`);
        assert.equal(r.status, 200, JSON.stringify(r.json));
        return (r.json as { records: Rec[] }).records.filter((x) => x.decision === 'Stopped');
      },
      (got) => got.length > 0,
    );
    // Before the fix: none (the record was to be made after the reload, which the kill cut short).
    assert.equal(records.length, 1, `the stop is in the audit log once: ${JSON.stringify(records)}`);
    assert.equal(records[0]?.principal, 'arn:aws:iam::000000000000:user/admin', 'who stopped it');
    assert.ok(records[0]?.detail['recoveredFromSpool'] !== undefined, 'recovered from the journal');
  });

  it('the chain verifies', async () => {
    assert.ok(second, 'the second start ran');
    const admin = world.admin;
    const v = await gatehouseJson(second.url, admin, 'GET', '/v1/audit/verify');
    assert.equal(v.status, 200, JSON.stringify(v.json));
    assert.equal(v.json['ok'], true, JSON.stringify(v.json));
  });
});
