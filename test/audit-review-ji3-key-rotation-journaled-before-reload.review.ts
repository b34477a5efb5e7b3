/**
 * Review ji, 3: a rotation of the session key ring (POST /v1/keys/rotate, `gatehouse sts rotate-keys`) was recorded, and
 * so journaled, only after the rotation had returned, that is after the reload of compiled state that follows the key
 * ring's commit (src/app/live.ts `rotateKeys`). A process killed there (kill -9, the out-of-memory killer, an
 * orchestrator's SIGKILL while that read hangs on a database that stopped answering) left a new active key every
 * instance seals sessions with, and the old ones retired, with no record of who rotated them, though README §7 promises
 * a hard crash loses no change record. It is now recorded through Store.write's committed callback as the key ring's
 * write commits, with what the call answers (the new key's id, when it was made, how many keys are retired).
 *
 * A real `gatehouse server` process on the test PostgreSQL behind a TCP proxy that passes the COMMIT of the write of the
 * key ring and its answer, then holds every byte; the process is SIGKILLed while the reload waits; a second start on the
 * same data dir and schema recovers the journal. The admin API.
 *
 * Before the fix 1 of 2 tests failed (no record of the rotation, though the ring holds the new key).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { commitFreezeWorld, type RestartedServer } from './support/commit-freeze.ts';
import { pgSkip } from './support/postgres.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { settled } from './support/settle.ts';

const skip = await pgSkip();

describe('review ji3: a key rotation is journaled before the reload that follows its commit', { skip, timeout: 120_000 }, () => {
  const world = commitFreezeWorld('ji3');
  let second: RestartedServer | undefined;
  before(() => world.open());
  after(() => world.close());

  it('the keys rotated, the database stops answering after the commit, the process is killed: the record is recovered', async () => {
    const first = await world.start(world.proxyUrl);
    const admin = world.admin;
    world.arm((text) => text.includes('sts/keyring') && text.includes('INSERT INTO kv'));
    const pending = gatehouseJson(first.url, admin, 'POST', '/v1/keys/rotate').catch((e: unknown) => e);
    assert.equal(await world.waitFrozen(), 'frozen', `the key ring's write committed, and the database then stopped answering: ${JSON.stringify(await Promise.race([pending, new Promise((r) => setTimeout(() => r('pending'), 10))]))}`);
    // Whatever the server does at once with a committed change (half a second); then the hard stop.
    await world.killHard(first);
    await pending;

    // The database answers again.
    second = await world.restart();
    const secondUrl = second.url;
    type Rec = { action: string; resource: string; decision?: string; detail: Record<string, unknown> };
    // Appended in the background at start: asked for until it is there, to a bound of time (settle.ts), not 30 tries.
    const records = await settled(
      async (): Promise<Rec[]> => {
        const r = await gatehouseJson(secondUrl, admin, 'GET', '/v1/audit?action=gatehouse:RotateKeys&limit=1000');
        assert.equal(r.status, 200, JSON.stringify(r.json));
        return (r.json as { records: Rec[] }).records;
      },
      (got) => got.length > 0,
    );
    // Before the fix: none (the record was to be made after the reload, which the kill cut short).
    assert.equal(records.length, 1, `the rotation is in the audit log once: ${JSON.stringify(records)}`);
    assert.equal(records[0]?.decision, 'ok');
    assert.ok(records[0]?.detail['recoveredFromSpool'] !== undefined, 'recovered from the journal');
    const result = records[0]?.detail['result'] as { keyId?: string; retiredKeys?: number } | undefined;
    assert.equal(result?.retiredKeys, 1, `with what it answers: ${JSON.stringify(records[0]?.detail)}`);
    // The key it names is the ring's active key: rotating again retires it.
    const again = await gatehouseJson(second.url, admin, 'POST', '/v1/keys/rotate');
    assert.equal(again.status, 200, JSON.stringify(again.json));
    assert.equal(again.json['retiredKeys'], 2, 'the first rotation was committed');
    assert.notEqual(again.json['keyId'], result?.keyId);
  });

  it('the chain verifies', async () => {
    assert.ok(second, 'the second start ran');
    const admin = world.admin;
    const v = await gatehouseJson(second.url, admin, 'GET', '/v1/audit/verify');
    assert.equal(v.status, 200, JSON.stringify(v.json));
    assert.equal(v.json['ok'], true, JSON.stringify(v.json));
  });
});
