/**
 * Review iw, 3: a change was journaled only after the server had reloaded what it changed. Every write through the app's
 * store awaits a refresh of the compiled state once its transaction commits (read-your-writes: src/app/index.ts), and
 * the use cases record the change after the write returns, so between the COMMIT and the record there is a read of the
 * database and a recompile. A process killed there (kill -9, the out-of-memory killer, an orchestrator's SIGKILL after
 * the grace while that read hangs on a database that stopped answering) left the change made and no record of it
 * anywhere: not in the log, not in the journal (DIR/audit-spool/), which README §7 promises holds every change's
 * record before the answer so that a hard crash loses none. Now a directory change is recorded (and journaled) as soon as
 * its transaction commits, before the refresh; the answer still waits for the refresh.
 *
 * A real `gatehouse server` process on the test PostgreSQL behind a TCP proxy that passes the COMMIT of the change and
 * its answer, then holds every byte (the database stops answering); the process is SIGKILLed while the refresh waits;
 * a second start on the same data dir and schema recovers the journal. The IAM SDK and the admin API.
 *
 * Before the fix 1 of 2 tests failed (no record of the user's creation, though the user exists).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { CreateUserCommand, GetUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { commitFreezeWorld, type RestartedServer } from './support/commit-freeze.ts';
import { pgSkip } from './support/postgres.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { REGION } from './support/server.ts';
import { settled } from './support/settle.ts';

const skip = await pgSkip();

describe('review iw3: a change is journaled before the refresh that follows its commit', { skip, timeout: 120_000 }, () => {
  const world = commitFreezeWorld('iw3');
  let second: RestartedServer | undefined;
  before(() => world.open());
  after(() => world.close());
  const iamOf = (url: string) => new IAMClient({ endpoint: url, region: REGION, credentials: world.admin, maxAttempts: 1, requestHandler: { httpAgent: new Agent({ keepAlive: false }) } });

  it('a user created, the database stops answering after the commit, the process is killed: the record is recovered', async () => {
    const first = await world.start(world.proxyUrl);
    const admin = world.admin;
    world.arm((text) => text.includes('iw3-user'));
    const iam = iamOf(first.url);
    const pending = iam.send(new CreateUserCommand({ UserName: 'iw3-user' })).catch((e: unknown) => e);
    assert.equal(await world.waitFrozen(), 'frozen', 'the change committed, and the database then stopped answering');
    // Whatever the server does at once with a committed change (half a second); then the hard stop.
    await world.killHard(first);
    await pending;
    iam.destroy();

    // The database answers again.
    second = await world.restart();
    const made = await iamOf(second.url).send(new GetUserCommand({ UserName: 'iw3-user' }));
    assert.equal(made.User?.UserName, 'iw3-user', 'the change was committed');
    const secondUrl = second.url;
    type Rec = { action: string; resource: string; decision?: string; detail: Record<string, unknown> };
    // Appended in the background at start: asked for until it is there, to a bound of time (settle.ts), not 30 tries.
    const records = await settled(
      async (): Promise<Rec[]> => {
        const r = await gatehouseJson(secondUrl, admin, 'GET', '/v1/audit?action=iam:CreateUser&limit=1000');
        assert.equal(r.status, 200, JSON.stringify(r.json));
        return (r.json as { records: Rec[] }).records.filter((x) => x.resource.endsWith(':user/iw3-user'));
      },
      (got) => got.length > 0,
    );
    // Before the fix: none (the record was to be made after the refresh, which the kill cut short).
    assert.equal(records.length, 1, `the change is in the audit log once: ${JSON.stringify(records)}`);
    assert.equal(records[0]?.decision, 'ok');
    assert.ok(records[0]?.detail['recoveredFromSpool'] !== undefined, 'recovered from the journal');
    assert.ok(records[0]?.detail['after'] !== null && records[0]?.detail['after'] !== undefined, 'with what it wrote');
  });

  it('the chain verifies', async () => {
    assert.ok(second, 'the second start ran');
    const admin = world.admin;
    const v = await gatehouseJson(second.url, admin, 'GET', '/v1/audit/verify');
    assert.equal(v.status, 200, JSON.stringify(v.json));
    assert.equal(v.json['ok'], true, JSON.stringify(v.json));
  });
});
