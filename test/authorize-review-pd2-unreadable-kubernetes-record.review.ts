/**
 * Review pd, 2. One stored Kubernetes record (an RBAC object, an access entry, a cluster's record or its sealed webhook
 * token) that is not what the server wrote (a database restored or edited by hand, a truncated write) was `JSON.parse`d
 * unguarded by the reload of the Kubernetes RBAC state, which then failed on every refresh ("reloading the Kubernetes
 * RBAC state failed (deciding with the state compiled before…): Unexpected end of JSON input", naming no record): every
 * cluster's RBAC engine kept the state compiled before, so an access entry deleted afterwards from another, healthy
 * cluster still mapped its role to its groups, and `kubernetes:get` was answered Allow (the union failed open); a server
 * started on such a database did not start at all.
 *
 * Contract: DESIGN.md "Architecture" (the union "fails closed on error"); review N, N3 and review ot, 1 (a stored record
 * that cannot be read fails closed, is reported once naming it, and the server starts). Now such a record is logged once
 * naming it and left out (an RBAC object or an access entry grants nothing; a cluster whose record or webhook token
 * cannot be read is not served), and every other record and cluster follows changes as before.
 *
 * Before the fix 2 of 2 tests failed. Real server (SQLite), SigV4-signed questions.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const RBAC = 'rbac.authorization.k8s.io';
const DEV = `arn:aws:iam::${ROOT}:role/dev`;
const BROKEN = `k8s/${ROOT}/pd2broken/RoleBinding/ml/readers`;
let s: TestServer;

const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
async function ask(server: TestServer, cluster: string): Promise<string | undefined> {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: `arn:aws:sts::${ROOT}:assumed-role/dev/x`, action: 'kubernetes:get', resource: `arn:aws:training::${ROOT}:cluster/${cluster}/namespaces/ml/pods/p1` });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json['decision'] as string | undefined;
}
const entry = (server: TestServer, cluster: string) => gatehouseJson(server.url, server.admin, 'POST', `/v1/clusters/${cluster}/access-entries`, { principalArn: DEV, kubernetesGroups: ['ml-readers'] });

before(async () => {
  s = await startTestServer({ keepDir: true });
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' }] };
  const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [doc('Role', 'dev', { trustPolicy: trust }), doc('Cluster', 'pd2broken', {}), doc('Cluster', 'pd2kept', {})] });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  for (const cluster of ['pd2broken', 'pd2kept']) {
    assert.equal((await entry(s, cluster)).status, 201);
    const rbac = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      cluster,
      documents: [
        { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name: 'pod-reader', namespace: 'ml' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] },
        { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { name: 'readers', namespace: 'ml' }, roleRef: { apiGroup: RBAC, kind: 'Role', name: 'pod-reader' }, subjects: [{ kind: 'Group', name: 'ml-readers', apiGroup: RBAC }] },
      ],
    });
    assert.equal(rbac.status, 200, JSON.stringify(rbac.json));
    assert.equal(await ask(s, cluster), 'Allow');
  }
});
after(async () => {
  await s?.stop();
  const { rm } = await import('node:fs/promises');
  if (s) await rm(s.dataDir, { recursive: true, force: true });
});

test('an unreadable RBAC record grants nothing, and the other clusters still follow changes', async () => {
  const app = s.running.app;
  await app.deps.store.write(async (tx) => {
    assert.ok((await tx.kv.get(BROKEN)) !== undefined);
    await tx.kv.put(BROKEN, '{"document":');
  });
  await app.refresh();
  assert.equal(await ask(s, 'pd2broken'), 'ImplicitDeny');
  // The access entry deleted from the healthy cluster no longer maps the role to its groups there.
  const removed = await gatehouseJson(s.url, s.admin, 'DELETE', `/v1/clusters/pd2kept/access-entries/${encodeURIComponent(DEV)}`);
  assert.equal(removed.status, 200, JSON.stringify(removed.json));
  assert.equal(await ask(s, 'pd2kept'), 'ImplicitDeny');
  assert.equal((await entry(s, 'pd2kept')).status, 201);
  assert.equal(await ask(s, 'pd2kept'), 'Allow');
  const logged = s.logs.filter((l) => l.includes('CANNOT READ') && l.includes(BROKEN));
  assert.equal(logged.length, 1, s.logs.join('\n'));
});

test('a server starts on a database holding such records, and decides', async () => {
  await s.stopServer();
  const store = await openSqliteStore({ dataDir: s.dataDir });
  try {
    await store.write(async (tx) => {
      await tx.kv.put(BROKEN, '7');
      await tx.kv.put(`k8s/${ROOT}/pd2broken/Role/ml/pod-reader`, 'not json');
    });
  } finally {
    await store.close();
  }
  const again = await startTestServer({ dataDir: s.dataDir, keepDir: true });
  try {
    assert.equal(await ask(again, 'pd2kept'), 'Allow');
    assert.equal(await ask(again, 'pd2broken'), 'ImplicitDeny');
    assert.ok(again.logs.some((l) => l.includes('CANNOT READ') && l.includes(`k8s/${ROOT}/pd2broken/Role/ml/pod-reader`)), again.logs.join('\n'));
  } finally {
    await again.stop();
  }
});
