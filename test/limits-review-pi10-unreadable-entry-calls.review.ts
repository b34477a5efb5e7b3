/**
 * Review pi, 10: review pi2 left an access entry or cluster record that is not the JSON the server wrote (a database
 * restored or edited by hand, a truncated write) out of the clusters' state, failing closed; the admin API's calls on
 * one still parsed it unguarded. `GET` and `DELETE /v1/clusters/<c>/access-entries/<arn>` on such an entry, and every
 * call on such a cluster (its webhook configuration, its access entries), answered 500 `InternalFailure`, naming
 * nothing, and the entry could not be deleted but by hand. review-common: errors clear, naming what is wrong and where;
 * DESIGN.md: access entries are managed per cluster through /v1/. Now the entry is shown as unreadable (404, naming its
 * record and what to do) and can be deleted, and the cluster answers as no cluster, naming its record.
 * Real server restarted on its data dir; the admin API as the CLI calls it.
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { restartAfterEdit, stopRestarted } from './support/edited-store.ts';

const ACCT = '000000000000';
const ALICE = `arn:aws:iam::${ACCT}:user/alice`;
const ENTRY_KEY = `k8s/${ACCT}/k1/AccessEntry/${ALICE}`;
const CLUSTER_KEY = `cluster/${ACCT}/k2`;
let first: TestServer;
let server: TestServer;

const admin = (s: TestServer, method: string, path: string, body?: unknown) => gatehouseJson(s.url, s.admin, method, path, body);
const entryPath = `/v1/clusters/k1/access-entries/${encodeURIComponent(ALICE)}`;

before(async () => {
  first = await startTestServer({ keepDir: true });
  const r = await admin(first, 'POST', '/v1/apply', {
    documents: [
      { apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name: 'k1' }, spec: {} },
      { apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name: 'k2' }, spec: {} },
      { apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name: 'alice' }, spec: {} },
      { apiVersion: 'gatehouse.dev/v1', kind: 'AccessEntry', metadata: { name: 'alice' }, spec: { cluster: 'k1', principalArn: ALICE, kubernetesGroups: ['ops'] } },
    ],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal((await admin(first, 'GET', entryPath)).status, 200);
  server = await restartAfterEdit(first, async (tx) => {
    for (const key of [ENTRY_KEY, CLUSTER_KEY]) {
      assert.notEqual(await tx.kv.get(key), undefined, key);
      await tx.kv.put(key, '{"broken');
    }
  });
});

after(() => stopRestarted(first, server));

describe('review pi10: calls on an unreadable access entry or cluster record', () => {
  it('reading the entry says it cannot be read, naming its record (not a 500)', async () => {
    const r = await admin(server, 'GET', entryPath);
    assert.equal(r.status, 404, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /cannot be read/);
    assert.ok(JSON.stringify(r.json).includes(ENTRY_KEY), JSON.stringify(r.json));
  });

  it('the entry can be deleted', async () => {
    const r = await admin(server, 'DELETE', entryPath);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal((await admin(server, 'GET', entryPath)).status, 404);
    const store = await openSqliteStore({ dataDir: server.dataDir });
    try {
      assert.equal(await store.read((tx) => tx.kv.get(ENTRY_KEY)), undefined);
    } finally {
      await store.close();
    }
  });

  it('a call on the unreadable cluster answers as no cluster, naming its record (not a 500)', async () => {
    const r = await admin(server, 'POST', '/v1/clusters/k2/webhook-config', {});
    assert.equal(r.status, 404, JSON.stringify(r.json));
    assert.ok(JSON.stringify(r.json).includes(CLUSTER_KEY), JSON.stringify(r.json));
  });
});
