/**
 * Review pg, 2: a cluster node's start chose the node's role from the cluster as read in its checks' transaction, and
 * its own write asked again only whether the cluster still existed (review nb, 2), so a cluster whose instance role was
 * changed in between got a node running as the role it no longer hands.
 *
 * An admin who narrows a cluster's nodes (`instanceRole: nodeadm` → `nodero`, or a compute config taken away) while a
 * node is starting saw the change committed, and the node then stored live as `nodeadm`, its sessions issued as that
 * role for the node's whole life: DESIGN.md seed 5, "a cluster has one instance role for all its nodes (a default that a
 * compute config can override)"; issue 7, a change made through one instance is enforced by all. Now the node's write
 * chooses the role again from the cluster as stored then; when it is not the one checked, the start's checks run again
 * on the cluster as it now is (the PassRole, trust and compute config of the role it now hands), at most three times
 * (then 409 ConcurrentModification, "start the node again").
 *
 * A real server (SQLite) and a second App on its store whose next write first changes the cluster through the server's
 * admin API, as another request would land between the start's read and its write (test/support/racing-write.ts).
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import type { App } from '../src/app/index.ts';
import { racingWrite, type RacingWrite } from './support/racing-write.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let race: RacingWrite;
let app: App;

before(async () => {
  server = await startTestServer();
  race = await racingWrite(server);
  app = race.app;
  for (const RoleName of ['nodeadm', 'nodero']) {
    await server.iam().send(new I.CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }] }) }));
  }
});
after(async () => {
  await server?.stop();
});

const cluster = (name: string, spec: object) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name }, spec });
const apply = async (...documents: object[]) => {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents });
  assert.equal(r.status, 200, JSON.stringify(r.json));
};
const nodesOf = async (name: string) => {
  const listed = await gatehouseJson(server.url, server.admin, 'GET', '/v1/jobs');
  assert.equal(listed.status, 200, JSON.stringify(listed.json));
  return (listed.json['jobs'] as { name: string; role?: { arn?: string } }[]).filter((j) => j.name.startsWith(`${name}-node-`)).map((j) => j.role?.arn);
};

test('pg2: a cluster whose instance role changed between a node start\'s checks and its write starts the node as the role it hands now', async () => {
  await apply(cluster('gpu-a', { instanceRole: 'nodeadm' }));
  const who = await app.authenticate(server.admin.accessKeyId);
  assert.ok(who.ok, JSON.stringify(who));
  race.beforeNextWrite(() => apply(cluster('gpu-a', { instanceRole: 'nodero' })));
  const r = await app.jobs.startNode(who.value.caller, { cluster: 'gpu-a' });
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.value.job.role.arn, 'arn:aws:iam::000000000000:role/nodero', 'the node runs as the role the cluster hands when it is stored');
  assert.deepEqual(await nodesOf('gpu-a'), ['arn:aws:iam::000000000000:role/nodero']);
});

test('pg2: a compute config taken away between a node start\'s checks and its write starts no node', async () => {
  await apply(cluster('gpu-b', { instanceRole: 'nodero', computeConfigs: { big: { instanceRole: 'nodeadm' } } }));
  const who = await app.authenticate(server.admin.accessKeyId);
  assert.ok(who.ok, JSON.stringify(who));
  race.beforeNextWrite(() => apply(cluster('gpu-b', { instanceRole: 'nodero' })));
  const r = await app.jobs.startNode(who.value.caller, { cluster: 'gpu-b', computeConfig: 'big' });
  assert.equal(r.ok, false, `a node was stored as the compute config's role: ${JSON.stringify(r)}`);
  if (!r.ok) {
    assert.equal(r.errors[0]?.code, 'NO_SUCH_ENTITY', JSON.stringify(r.errors));
    assert.match(r.errors[0]?.message ?? '', /cluster gpu-b has no compute config big/);
  }
  assert.deepEqual(await nodesOf('gpu-b'), []);
});
