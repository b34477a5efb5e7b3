/**
 * Review iz, finding 3: `POST /v1/clusters/{name}/nodes` (`gatehouse clusters run-node`) bounded neither the cluster's
 * name nor `computeConfig`. A user allowed nothing had each refusal (`training:StartClusterNode`) recorded in the audit
 * log with what it sent: one request with a 300,000-character `computeConfig` wrote a 300 KB audit record, and an
 * 8,000-character cluster name a 24 KB one (the name in the resource ARN and twice in the message), and the refusal
 * echoed the name back whole; a caller allowed to start nodes got the compute config echoed whole in `has no compute
 * config …`. `POST /v1/jobs` bounds its workspace's name for the same reason. Now both names follow a cluster name's
 * rule (1–128 letters, digits and `+=,.@_-`; a compute config asked for, 1–128 characters of any kind, since one stored
 * before review iz, 1 may hold others), checked first: 400 ValidationError naming the field, short, nothing decided or
 * recorded.
 *
 * A real server on 127.0.0.1, its admin API and audit log. Before the fix 2 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { auditRecords, startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

let server: TestServer;
let bob: Credentials;

before(async () => {
  server = await startTestServer();
  bob = await userWithPolicy(server, 'bob', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' }] }));
});
after(async () => server?.stop());

const starts = async (): Promise<number> => (await auditRecords(server, { action: 'training:StartClusterNode' })).length;

test('iz3: a long compute config or cluster name is refused 400 before anything is decided, and nothing is recorded', async () => {
  const before = await starts();
  const cases: { path: string; body: Record<string, unknown>; field: string; message: RegExp }[] = [
    { path: '/v1/clusters/gpu/nodes', body: { computeConfig: 'c'.repeat(300_000), imds: false }, field: 'computeConfig', message: /compute config name `c+… \(300000 characters\)` is longer than 128 characters/ },
    { path: `/v1/clusters/${'n'.repeat(8000)}/nodes`, body: { imds: false }, field: 'cluster', message: /cluster name `n+… \(8000 characters\)` is longer than 128 characters/ },
    { path: '/v1/clusters/gpu/nodes', body: { computeConfig: '', imds: false }, field: 'computeConfig', message: /compute config name is required/ },
  ];
  for (const who of [bob, server.admin]) {
    for (const c of cases) {
      const r = await gatehouseJson(server.url, who, 'POST', c.path, c.body);
      const text = JSON.stringify(r.json);
      assert.equal(r.status, 400, text.slice(0, 300));
      assert.match(text, c.message);
      assert.match(text, new RegExp(`"path":"${c.field}"`));
      assert.ok(text.length < 2000, `the answer is ${text.length} characters`);
    }
  }
  assert.equal(await starts(), before, 'no start was recorded');
});

test('iz3: a refused start with names within bounds is recorded, small', async () => {
  const r = await gatehouseJson(server.url, bob, 'POST', `/v1/clusters/${'n'.repeat(128)}/nodes`, { computeConfig: 'c'.repeat(128), imds: false });
  assert.equal(r.status, 403, JSON.stringify(r.json));
  const recs = await auditRecords(server, { action: 'training:StartClusterNode', decision: 'Deny' });
  assert.equal(recs.length, 1);
  assert.ok(JSON.stringify(recs[0]).length < 3000, `the record is ${JSON.stringify(recs[0]).length} characters`);
});

test('iz3: a compute config whose name is not of the cluster-name rule is still started by its name', async () => {
  const { CreateRoleCommand } = await import('@aws-sdk/client-iam');
  const { clusterKey } = await import('../src/core/jobs/jobs.ts');
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }] };
  await server.iam().send(new CreateRoleCommand({ RoleName: 'node-a100', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  // Written to the store as a cluster holds it (`gpu:a100` is no cluster name, and a compute config's may be).
  const app = await server.openApp();
  await app.deps.store.write(async (tx) => tx.kv.put(clusterKey('000000000000', 'legacy'), JSON.stringify({ account: '000000000000', name: 'legacy', computeConfigs: { 'gpu:a100': { instanceRole: 'node-a100' } }, mappings: [] })));
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/legacy/nodes', { computeConfig: 'gpu:a100', imds: false });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  assert.equal((r.json['job'] as { role: { arn: string } }).role.arn, 'arn:aws:iam::000000000000:role/node-a100');
});
