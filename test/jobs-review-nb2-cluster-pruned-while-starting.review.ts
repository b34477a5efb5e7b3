/**
 * Review nb, 2: a cluster node's start read the cluster in one transaction and stored the node's job in a later one, so a cluster pruned in between still got a live node.
 *
 * `POST /v1/clusters/{name}/nodes` (`gatehouse clusters run-node`) found the cluster and chose the node's role in one
 * read, then stored the node's job (live, issued the role's sessions tagged with the cluster) in another write with
 * nothing asked again. An `apply --prune` committed between the two found no live node (none was stored yet: review
 * hb, 2 refuses pruning a cluster with live nodes) and deleted the cluster; the node was then stored live in a cluster
 * that no longer existed, which hb2 says cannot be, and which a cluster made again under the name finds as its own.
 * Now the node's own write reads the cluster again and refuses as the start does (NoSuchEntity "cluster … does not
 * exist"), nothing stored.
 *
 * A real server (SQLite) and a second App on its store whose next write first makes the prune through the server's
 * admin API, as another request would land between the start's read and its write.
 *
 * Before the fix 1 of 1 tests failed.
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
});
after(async () => {
  await server?.stop();
});

const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const cluster = (name: string) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name }, spec: { instanceRole: 'nodeadm' } });

test('nb2: a cluster pruned between a node start\'s checks and its write gets no live node', async () => {
  await server.iam().send(new I.CreateRoleCommand({ RoleName: 'nodeadm', AssumeRolePolicyDocument: policy({ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [cluster('gpu-a'), cluster('gpu-b')] });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const who = await app.authenticate(server.admin.accessKeyId);
  assert.ok(who.ok, JSON.stringify(who));
  let pruned = 0;
  race.beforeNextWrite(async () => {
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [cluster('gpu-b')], prune: true });
    pruned = r.status;
  });
  const r = await app.jobs.startNode(who.value.caller, { cluster: 'gpu-a' });
  assert.equal(pruned, 200, 'the cluster was pruned in between');
  assert.equal((await gatehouseJson(server.url, server.admin, 'GET', '/v1/clusters/gpu-a')).status, 404, 'gpu-a is gone');
  assert.equal(r.ok, false, `a node was stored live in the pruned cluster: ${JSON.stringify(r)}`);
  if (!r.ok) {
    assert.equal(r.errors[0]?.code, 'NO_SUCH_ENTITY', JSON.stringify(r.errors));
    assert.match(r.errors[0]?.message ?? '', /cluster gpu-a does not exist/);
  }
  const listed = await gatehouseJson(server.url, server.admin, 'GET', '/v1/jobs');
  assert.equal(listed.status, 200, JSON.stringify(listed.json));
  assert.deepEqual(listed.json['jobs'], [], 'no job of the pruned cluster');
});
