/**
 * Review pi, 9: review pi2 made an RBAC object or access entry record that is not the JSON the server wrote (a database
 * restored or edited by hand, a truncated write) fail closed in the clusters' state "until it is replaced or removed",
 * but `gatehouse apply` read the old record unguarded wherever it replaces or removes one: applying the RoleBinding or
 * AccessEntry document again answered `InternalFailure` (exit 70), and so did deleting the object; only a hand edit of
 * the database could bring it back. DESIGN.md: Kubernetes RBAC and access entries are applied "like kubectl apply";
 * review-common: errors name what is wrong. Now such a record is replaced as if there were none, or removed, named by
 * its key; after the apply, the binding and the entry grant again.
 * Real server restarted on its data dir; the admin API's apply as the CLI calls it; the authorize API.
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { restartAfterEdit, stopRestarted } from './support/edited-store.ts';

const ACCT = '000000000000';
const GROUP = 'rbac.authorization.k8s.io';
const ALICE = `arn:aws:iam::${ACCT}:user/alice`;
const ENTRY = { apiVersion: 'gatehouse.dev/v1', kind: 'AccessEntry', metadata: { name: 'alice-k9' }, spec: { cluster: 'k9', principalArn: ALICE, kubernetesGroups: ['ops'] } };
const binding = (namespace: string) => ({ apiVersion: `${GROUP}/v1`, kind: 'RoleBinding', metadata: { name: 'ops', namespace }, subjects: [{ kind: 'Group', name: 'ops', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'ops', apiGroup: GROUP } });
const broken = [`k8s/${ACCT}/k9/RoleBinding/dev/ops`, `k8s/${ACCT}/k9/RoleBinding/qa/ops`, `k8s/${ACCT}/k9/AccessEntry/${ALICE}`];

let first: TestServer;
let server: TestServer;

const apply = (s: TestServer, body: unknown) => gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', body);
const ask = async (s: TestServer, namespace: string): Promise<string> => {
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: ALICE, action: 'kubernetes:get', resource: `arn:aws:training::${ACCT}:cluster/k9/namespaces/${namespace}/pods/web` });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return String(r.json['decision']);
};

before(async () => {
  first = await startTestServer({ keepDir: true });
  for (const body of [
    { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name: 'k9' }, spec: {} }, { apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name: 'alice' }, spec: {} }, ENTRY] },
    { cluster: 'k9', documents: [{ apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'ops' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] }, binding('dev'), binding('qa')] },
  ]) {
    const r = await apply(first, body);
    assert.equal(r.status, 200, JSON.stringify(r.json));
  }
  assert.equal(await ask(first, 'dev'), 'Allow');
  server = await restartAfterEdit(first, async (tx) => {
    for (const key of broken) {
      assert.notEqual(await tx.kv.get(key), undefined, key);
      await tx.kv.put(key, '{"broken');
    }
  });
});

after(() => stopRestarted(first, server));

describe('review pi9: replacing unreadable RBAC object and access entry records', () => {
  it('applying the AccessEntry and the RoleBinding again replaces them, and they grant again', async () => {
    assert.notEqual(await ask(server, 'dev'), 'Allow');
    const entry = await apply(server, { documents: [ENTRY] });
    assert.equal(entry.status, 200, JSON.stringify(entry.json));
    const rb = await apply(server, { cluster: 'k9', documents: [binding('dev')] });
    assert.equal(rb.status, 200, JSON.stringify(rb.json));
    assert.equal(await ask(server, 'dev'), 'Allow');
  });

  it('a prune removes the other unreadable RoleBinding', async () => {
    const clusterRole = { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'ops' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] };
    const inQa = { apiVersion: `${GROUP}/v1`, kind: 'Role', metadata: { name: 'other', namespace: 'qa' }, rules: [] };
    const del = await apply(server, { cluster: 'k9', prune: true, documents: [clusterRole, binding('dev'), inQa] });
    assert.equal(del.status, 200, JSON.stringify(del.json));
    const store = await openSqliteStore({ dataDir: server.dataDir });
    try {
      assert.equal(await store.read((tx) => tx.kv.get(broken[1] as string)), undefined);
    } finally {
      await store.close();
    }
  });
});
