/**
 * Review ji, 5: a rotation of a cluster's webhook credential (POST /v1/clusters/{name}/webhook-config {rotate: true},
 * `gatehouse kube webhook-config --rotate`) was recorded at the admin API's edge, and so journaled, only after the route
 * had returned, that is after the app's reload of compiled state that follows the token's commit. A process killed
 * there (kill -9, the out-of-memory killer, an orchestrator's SIGKILL while that read hangs on a database that stopped
 * answering) left the cluster's kube-apiserver refused by the webhooks until given the new token, and no record of who
 * rotated it, though README §7 promises a hard crash loses no change record. Review ji, 1 left it out (its record shows
 * no stored value: the token is a secret); it is now recorded as the write of the token commits, the edge watching the
 * token's key without showing its value.
 *
 * A real `gatehouse server` process on the test PostgreSQL behind a TCP proxy that passes the COMMIT of the write of the
 * token and its answer, then holds every byte; the process is SIGKILLed while the reload waits; a second start on the
 * same data dir and schema recovers the journal. The admin API.
 *
 * Before the fix 1 of 2 tests failed (no record of the rotation, though the token was replaced).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { commitFreezeWorld, type RestartedServer } from './support/commit-freeze.ts';
import { pgSkip } from './support/postgres.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { settled } from './support/settle.ts';

const skip = await pgSkip();

describe('review ji5: a webhook credential rotation is journaled before the reload that follows its commit', { skip, timeout: 120_000 }, () => {
  const world = commitFreezeWorld('ji5');
  let second: RestartedServer | undefined;
  before(() => world.open());
  after(() => world.close());

  it('a webhook token rotated, the database stops answering after the commit, the process is killed: the record is recovered', async () => {
    const first = await world.start(world.proxyUrl);
    const admin = world.admin;
    const cluster = await gatehouseJson(first.url, admin, 'PUT', '/v1/clusters/ji5-c', {});
    assert.equal(cluster.status, 200, JSON.stringify(cluster.json));
    const made = await gatehouseJson(first.url, admin, 'POST', '/v1/clusters/ji5-c/webhook-config', {});
    assert.equal(made.status, 200, JSON.stringify(made.json));
    const old = String(made.json['token']);
    world.arm((text) => text.includes('k8swebhook/') && text.includes('INSERT INTO kv'));
    const pending = gatehouseJson(first.url, admin, 'POST', '/v1/clusters/ji5-c/webhook-config', { rotate: true }).catch((e: unknown) => e);
    assert.equal(await world.waitFrozen(), 'frozen', `the token's write committed, and the database then stopped answering: ${JSON.stringify(await Promise.race([pending, new Promise((r) => setTimeout(() => r('pending'), 10))]))}`);
    // Whatever the server does at once with a committed change (half a second); then the hard stop.
    await world.killHard(first);
    await pending;

    // The database answers again.
    second = await world.restart();
    const now = await gatehouseJson(second.url, admin, 'POST', '/v1/clusters/ji5-c/webhook-config', {});
    assert.equal(now.status, 200, JSON.stringify(now.json));
    assert.notEqual(now.json['token'], old, 'the rotation was committed');
    const secondUrl = second.url;
    type Rec = { action: string; resource: string; decision?: string; detail: Record<string, unknown> };
    // Appended in the background at start: asked for until it is there, to a bound of time (settle.ts), not 30 tries.
    const records = await settled(
      async (): Promise<Rec[]> => {
        const r = await gatehouseJson(secondUrl, admin, 'GET', '/v1/audit?action=training:RotateClusterWebhookToken&limit=1000');
        assert.equal(r.status, 200, JSON.stringify(r.json));
        return (r.json as { records: Rec[] }).records.filter((x) => (x.detail['request'] as { rotate?: boolean } | undefined)?.rotate === true);
      },
      (got) => got.length > 0,
    );
    // Before the fix: none (the record was to be made after the reload, which the kill cut short).
    assert.equal(records.length, 1, `the rotation is in the audit log once: ${JSON.stringify(records)}`);
    assert.equal(records[0]?.decision, 'ok');
    assert.ok(records[0]?.detail['recoveredFromSpool'] !== undefined, 'recovered from the journal');
    const text = JSON.stringify(records[0]);
    assert.ok(!text.includes(String(now.json['token'])) && !text.includes('sealed') && !text.includes('ghk8s.'), `the token is not in the record: ${text}`);
  });

  it('the chain verifies', async () => {
    assert.ok(second, 'the second start ran');
    const admin = world.admin;
    const v = await gatehouseJson(second.url, admin, 'GET', '/v1/audit/verify');
    assert.equal(v.status, 200, JSON.stringify(v.json));
    assert.equal(v.json['ok'], true, JSON.stringify(v.json));
  });
});
