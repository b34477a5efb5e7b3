/**
 * Review iw, 6: an IAM policy set (`gatehouse iam-policy set`, `PUT /v1/iam-policies`: GCP-style bindings granting roles
 * on an account, a workspace or a resource) was journaled only after the server had reloaded its state, twice (the
 * app's store reloads after every write, and the bindings reload again): as for the directory's changes before review
 * iw, 3, a process killed between the COMMIT and the end of those reads of the database left the grants in force and no
 * record of who gave them, not even in the journal. Now the change is recorded (and journaled) as its transaction
 * commits; the answer still waits for the reloads.
 *
 * A real `gatehouse server` process on the test PostgreSQL behind a TCP proxy that passes the COMMIT and its answer, then
 * holds every byte; the process is SIGKILLed while the reload waits; a second start on the same data dir and schema
 * recovers the journal. The admin API.
 *
 * Before the fix 1 of 2 tests failed (no record of the grant, though it is in force).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { commitFreezeWorld, type RestartedServer } from './support/commit-freeze.ts';
import { pgSkip } from './support/postgres.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { settled } from './support/settle.ts';

const skip = await pgSkip();

describe('review iw6: an IAM policy set is journaled before the reloads that follow its commit', { skip, timeout: 120_000 }, () => {
  const world = commitFreezeWorld('iw6');
  let second: RestartedServer | undefined;
  before(() => world.open());
  after(() => world.close());

  it('a role granted on the account, the database stops answering after the commit, the process is killed: the record is recovered', async () => {
    const first = await world.start(world.proxyUrl);
    const admin = world.admin;
    const made = await gatehouseJson(first.url, admin, 'POST', '/v1/users', { name: 'iw6-user' });
    assert.equal(made.status, 201, JSON.stringify(made.json));
    world.arm((text) => text.includes('user:iw6-user'));
    const bindings = [{ role: 'roles/ml.developer', members: ['user:iw6-user'] }];
    const pending = gatehouseJson(first.url, admin, 'PUT', '/v1/iam-policies', { resource: 'account/000000000000', bindings }).catch((e: unknown) => e);
    assert.equal(await world.waitFrozen(), 'frozen', 'the IAM policy committed, and the database then stopped answering');
    // Whatever the server does at once with a committed change (half a second); then the hard stop.
    await world.killHard(first);
    await pending;

    // The database answers again.
    second = await world.restart();
    const policy = await gatehouseJson(second.url, admin, 'GET', '/v1/iam-policies?resource=account/000000000000');
    assert.equal(policy.status, 200, JSON.stringify(policy.json));
    assert.match(JSON.stringify(policy.json), /user:iw6-user/, 'the grant was committed');
    const secondUrl = second.url;
    type Rec = { action: string; decision?: string; resource: string; detail: Record<string, unknown> };
    // Appended in the background at start: asked for until it is there, to a bound of time (settle.ts), not 30 tries.
    const records = await settled(
      async (): Promise<Rec[]> => {
        const r = await gatehouseJson(secondUrl, admin, 'GET', '/v1/audit?action=gatehouse:SetIamPolicy&limit=1000');
        assert.equal(r.status, 200, JSON.stringify(r.json));
        return (r.json as { records: Rec[] }).records;
      },
      (got) => got.length > 0,
    );
    // Before the fix: none (the record was to be made after the reloads, which the kill cut short).
    assert.equal(records.length, 1, `the grant is in the audit log once: ${JSON.stringify(records)}`);
    assert.equal(records[0]?.decision, 'ok');
    assert.equal(records[0]?.resource, 'account/000000000000');
    assert.match(JSON.stringify(records[0]?.detail['after']), /user:iw6-user/);
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
