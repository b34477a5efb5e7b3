/**
 * Review ji, 1: a change made at the admin API's edge (PUT/DELETE /v1/workspaces/{name}, PUT /v1/clusters/{name},
 * POST/DELETE /v1/clusters/{name}/access-entries, PUT/DELETE /v1/resource-policies/{arn}) was recorded, and so
 * journaled, only after the route's write had returned, that is after the app's reload of compiled state that every
 * write awaits once its transaction commits (src/app/index.ts), and after a further read of the key's `after` outside the
 * transaction. A process killed there (kill -9, the out-of-memory killer, an orchestrator's SIGKILL while that read
 * hangs on a database that stopped answering) left the workspace (its members, its default bucket: who reaches what)
 * changed and no record of it anywhere, though README §7 promises a hard crash loses no change record. Reviews iw3–iw8
 * closed this window for the app's own recorders and left it open here. Now the edge records such a change as the write
 * that changed its key commits (the app's `watchWrites`), with `before` and `after` read in that transaction.
 *
 * A real `gatehouse server` process on the test PostgreSQL behind a TCP proxy that passes the COMMIT of the write of
 * the workspace and its answer, then holds every byte; the process is SIGKILLed while the reload waits; a second start
 * on the same data dir and schema recovers the journal. The admin API.
 *
 * Before the fix 1 of 2 tests failed (no record of the workspace's creation, though it exists).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { commitFreezeWorld, type RestartedServer } from './support/commit-freeze.ts';
import { pgSkip } from './support/postgres.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { settled } from './support/settle.ts';

const skip = await pgSkip();

describe('review ji1: an edge change is journaled before the reload that follows its commit', { skip, timeout: 120_000 }, () => {
  const world = commitFreezeWorld('ji1');
  let second: RestartedServer | undefined;
  before(() => world.open());
  after(() => world.close());

  it('a workspace written, the database stops answering after the commit, the process is killed: the record is recovered', async () => {
    const first = await world.start(world.proxyUrl);
    const admin = world.admin;
    world.arm((text) => text.includes('INSERT INTO kv'));
    const pending = gatehouseJson(first.url, admin, 'PUT', '/v1/workspaces/ji1-ws', {}).catch((e: unknown) => e);
    assert.equal(await world.waitFrozen(), 'frozen', 'the change committed, and the database then stopped answering');
    // Whatever the server does at once with a committed change (half a second); then the hard stop.
    await world.killHard(first);
    await pending;

    // The database answers again.
    second = await world.restart();
    const made = await gatehouseJson(second.url, admin, 'GET', '/v1/workspaces/ji1-ws');
    assert.equal(made.status, 200, `the change was committed: ${JSON.stringify(made.json)}`);
    const secondUrl = second.url;
    type Rec = { action: string; resource: string; decision?: string; detail: Record<string, unknown> };
    // Appended in the background at start: asked for until it is there, to a bound of time (settle.ts), not 30 tries.
    const records = await settled(
      async (): Promise<Rec[]> => {
        const r = await gatehouseJson(secondUrl, admin, 'GET', '/v1/audit?action=training:CreateWorkspace&limit=1000');
        assert.equal(r.status, 200, JSON.stringify(r.json));
        return (r.json as { records: Rec[] }).records.filter((x) => x.resource.endsWith(':workspace/ji1-ws'));
      },
      (got) => got.length > 0,
    );
    // Before the fix: none (the record was to be made after the reload and the read of `after`, which the kill cut short).
    assert.equal(records.length, 1, `the change is in the audit log once: ${JSON.stringify(records)}`);
    assert.equal(records[0]?.decision, 'ok');
    assert.ok(records[0]?.detail['recoveredFromSpool'] !== undefined, 'recovered from the journal');
    assert.equal(records[0]?.detail['before'], null, 'nothing was there before');
    assert.equal((records[0]?.detail['after'] as { name?: string } | null)?.name, 'ji1-ws', `with what it wrote: ${JSON.stringify(records[0]?.detail)}`);
  });

  it('the chain verifies', async () => {
    assert.ok(second, 'the second start ran');
    const admin = world.admin;
    const v = await gatehouseJson(second.url, admin, 'GET', '/v1/audit/verify');
    assert.equal(v.status, 200, JSON.stringify(v.json));
    assert.equal(v.json['ok'], true, JSON.stringify(v.json));
  });
});
