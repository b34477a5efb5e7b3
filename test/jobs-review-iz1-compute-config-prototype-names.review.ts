/**
 * Review iz, finding 1: a cluster's compute configs were a plain object looked up by the name asked. `gatehouse clusters
 * run-node --compute-config toString` (or `constructor`, `hasOwnProperty`, `__proto__`: any property every JavaScript
 * object inherits) found that inherited property, passed the check "cluster C has no compute config N", and started a
 * node as another role than asked (the cluster's instance role or a mapping's), the audit record naming a compute config
 * the cluster does not have; a typo of a real name is refused 404, these were not. And `PUT /v1/clusters/C` (or
 * `gatehouse apply`) with a compute config named `__proto__` answered 200 and stored the cluster without it, said
 * nowhere: the assignment set the object's prototype. A compute config's name was not bounded at all (empty, 10,000
 * characters).
 *
 * Now a compute config is found only among the cluster's own (`Object.hasOwn`), and its name is 1–128 characters,
 * `__proto__` refused by name: bad input changes nothing and says where. Before the fix 3 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let dir: string;

before(async () => {
  server = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'gh-iz1-'));
  const iam = server.iam();
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }] };
  for (const name of ['node', 'node-large']) await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust) }));
  const c = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/clusters/gpu', { instanceRole: 'node', computeConfigs: { big: { instanceRole: 'node-large' } } });
  assert.equal(c.status, 200, JSON.stringify(c.json));
});
after(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function nodeCount(): Promise<number> {
  const l = await gatehouseJson(server.url, server.admin, 'GET', '/v1/jobs');
  assert.equal(l.status, 200, JSON.stringify(l.json));
  return (l.json['jobs'] as unknown[]).length;
}

test('iz1: run-node with an inherited property as --compute-config is refused as a compute config the cluster does not have', async () => {
  const before = await nodeCount();
  for (const cc of ['toString', 'constructor', 'hasOwnProperty', '__proto__', 'valueOf']) {
    const api = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/gpu/nodes', { computeConfig: cc, imds: false });
    assert.equal(api.status, 404, `${cc}: ${JSON.stringify(api.json)}`);
    assert.match(JSON.stringify(api.json), new RegExp(`cluster gpu has no compute config ${cc}`));
    const cli = await cliAgainst(server, ['clusters', 'run-node', '--cluster', 'gpu', '--compute-config', cc, '--no-imds', '--', process.execPath, '-e', '0']);
    assert.equal(cli.status, 6, `${cc}: ${cli.err}`);
  }
  assert.equal(await nodeCount(), before, 'no node was started');
  // The cluster's own compute config still chooses its role.
  const big = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/gpu/nodes', { computeConfig: 'big', imds: false });
  assert.equal(big.status, 201, JSON.stringify(big.json));
  assert.equal((big.json['job'] as { role: { arn: string } }).role.arn, 'arn:aws:iam::000000000000:role/node-large');
});

test('iz1: PUT /v1/clusters with a compute config named __proto__, empty or too long is refused, and nothing changes', async () => {
  const cases: [string, RegExp][] = [
    ['__proto__', /compute config name `__proto__`/],
    ['', /compute config name is required/],
    ['x'.repeat(129), /longer than 128 characters/],
  ];
  for (const [name, message] of cases) {
    // Written as JSON text: an object literal's `__proto__` would set the prototype here, not send a field.
    const body = JSON.parse(`{"instanceRole": "node", "computeConfigs": {"big": {"instanceRole": "node-large"}, ${JSON.stringify(name)}: {"instanceRole": "node"}}}`) as Record<string, unknown>;
    const r = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/clusters/gpu', body);
    assert.equal(r.status, 400, `${JSON.stringify(name)}: ${JSON.stringify(r.json)}`);
    assert.match(JSON.stringify(r.json), message);
    assert.match(JSON.stringify(r.json), /"path":"computeConfigs/);
  }
  const got = await gatehouseJson(server.url, server.admin, 'GET', '/v1/clusters/gpu');
  assert.deepEqual(got.json['computeConfigs'], { big: { instanceRole: 'node-large' } });
});

test('iz1: gatehouse apply refuses a compute config named __proto__ at its line, changing nothing', async () => {
  const file = join(dir, 'cluster.yaml');
  await writeFile(file, `apiVersion: gatehouse.dev/v1
kind: Cluster
metadata: {name: gpu}
spec:
  instanceRole: node
  computeConfigs:
    __proto__: {instanceRole: node-large}
`);
  const r = await cliAgainst(server, ['apply', '-f', file]);
  assert.notEqual(r.status, 0, `${r.out}${r.err}`);
  assert.match(r.err, /compute config name `__proto__`/);
  const got = await gatehouseJson(server.url, server.admin, 'GET', '/v1/clusters/gpu');
  assert.deepEqual(got.json['computeConfigs'], { big: { instanceRole: 'node-large' } });
});
