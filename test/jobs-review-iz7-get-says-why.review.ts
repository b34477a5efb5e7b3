/**
 * Review iz, finding 7: `gatehouse jobs get ID` printed a job's id, name, workspace, state, role, submitter and times,
 * and left out why it ended. A job the sweep failed ("its launcher was not heard from …"), one stopped (`stopped by
 * arn:…`, by a signal to its launcher, or because its submitter was disabled or deleted) showed `state: Failed` or
 * `state: Stopped` and nothing more: the `reason` the server holds and answers was shown only by `--json` or found in
 * `jobs events`. Nor did it show when the job started, its number of ranks, or a node's cluster (its workspace line
 * was empty). Now `reason`, `replicas`, `started` and, for a node, `cluster` are among its lines.
 *
 * The real CLI in process against a real server. Before the fix 2 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, type TestServer } from './support/server.ts';
import { startWorkspaceServer } from './support/jobs-world.ts';

let server: TestServer;
let stop: (() => Promise<void>) | undefined;

before(async () => {
  ({ server, stop } = await startWorkspaceServer('gh-iz7-'));
});
after(async () => stop?.());

test('iz7: jobs get of a stopped job says why, and its ranks and start', async () => {
  const run = await cliAgainst(server, ['jobs', 'run', '--workspace', 'w', '--role', 'none', '--no-imds', '--replicas', '2', '--', process.execPath, '-e', '0']);
  assert.equal(run.status, 0, run.err);
  const ranId = /job (\w+) \(/.exec(run.err)?.[1] ?? '';
  const ran = await cliAgainst(server, ['jobs', 'get', ranId]);
  assert.equal(ran.status, 0, ran.err);
  assert.match(ran.out, /^state: +Succeeded \(exit 0\)$/m);
  assert.match(ran.out, /^replicas: +2$/m);
  assert.match(ran.out, /^started: +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m);
  assert.doesNotMatch(ran.out, /^reason:/m);

  const submitted = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'w', role: 'none', imds: false });
  assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
  const id = (submitted.json['job'] as { id: string }).id;
  const stopped = await cliAgainst(server, ['jobs', 'stop', id]);
  assert.equal(stopped.status, 0, stopped.err);
  const got = await cliAgainst(server, ['jobs', 'get', id]);
  assert.equal(got.status, 0, got.err);
  assert.match(got.out, /^state: +Stopped$/m);
  assert.match(got.out, /^reason: +stopped by arn:aws:iam::000000000000:user\/admin$/m);
});

test('iz7: jobs get of a cluster node names its cluster', async () => {
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }] };
  await server.iam().send(new CreateRoleCommand({ RoleName: 'node', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  assert.equal((await gatehouseJson(server.url, server.admin, 'PUT', '/v1/clusters/gpu', { instanceRole: 'node' })).status, 200);
  const node = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/gpu/nodes', { imds: false });
  assert.equal(node.status, 201, JSON.stringify(node.json));
  const got = await cliAgainst(server, ['jobs', 'get', (node.json['job'] as { id: string }).id]);
  assert.equal(got.status, 0, got.err);
  assert.match(got.out, /^cluster: +gpu$/m);
  assert.doesNotMatch(got.out, /^workspace: *$/m);
});
