/**
 * Review K, K7: `apply --prune` deletes every access entry of a name it prunes. The CLI names an entry after its
 * principal (`user-<account>-dev1`), so one principal's entries in two clusters share a name; the prune listed the name
 * once per entry and deleted, for each, the first entry of that name it found: the same key twice. The apply answered
 * that it deleted the entries, and cluster k2's entry still mapped dev1 (until the next apply).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server?.stop();
});

test('a prune deletes the entries of one principal in every cluster', async () => {
  const acct = server.adminFile.AccountId;
  const base = [doc('Cluster', 'k1', {}), doc('Cluster', 'k2', {}), doc('User', 'dev1', {}), doc('User', 'dev2', {})];
  assert.equal((await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: base })).status, 200);
  for (const cluster of ['k1', 'k2']) {
    const r = await gatehouseJson(server.url, server.admin, 'POST', `/v1/clusters/${cluster}/access-entries`, { principalArn: `arn:aws:iam::${acct}:user/dev1`, kubernetesGroups: ['devs'] });
    assert.equal(r.status, 201, JSON.stringify(r.json));
  }
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    prune: true,
    documents: [...base, doc('AccessEntry', 'dev2', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/dev2`, kubernetesGroups: ['devs'] })],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const entries = async (cluster: string) => ((await gatehouseJson(server.url, server.admin, 'GET', `/v1/clusters/${cluster}/access-entries`)).json['accessEntries'] as { name: string }[]).map((e) => e.name);
  assert.deepEqual(await entries('k1'), ['dev2']);
  assert.deepEqual(await entries('k2'), [], 'k2’s entry of dev1 is pruned too');
});
