/**
 * Review ap, 1: a binding's `roleRef` cannot change, as in Kubernetes (`ValidateRoleBindingUpdate`: "cannot change
 * roleRef"; `kubectl apply` of the edited binding fails). Before, `gatehouse apply --cluster` of a RoleBinding whose
 * roleRef names another role updated it in place: a delegate allowed `training:ApplyRbacObject` on one binding by name
 * (to keep its subject list, which Kubernetes lets an `update` on the binding do) turned `team/viewers` from ClusterRole
 * `view` into `cluster-admin`, for everyone it names. Now the update is refused at `roleRef`, nothing is written, and a
 * new name (the old pruned) still works.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const GROUP = 'rbac.authorization.k8s.io';
let server: TestServer;
let delegate = { accessKeyId: '', secretAccessKey: '' };
let token = '';

const binding = (name: string, role: string, subjects: string[]) => ({
  apiVersion: `${GROUP}/v1`,
  kind: 'RoleBinding',
  metadata: { name, namespace: 'team' },
  subjects: subjects.map((s) => ({ kind: 'User', name: s, apiGroup: GROUP })),
  roleRef: { kind: 'ClusterRole', name: role, apiGroup: GROUP },
});
const clusterRole = (name: string, verbs: string[]) => ({ apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs }] });

async function sar(user: string, verb: string): Promise<boolean> {
  const r = await fetch(`${server.url}/k8s/k1/authorize`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { resourceAttributes: { namespace: 'team', verb, version: 'v1', resource: 'secrets' }, user, groups: ['system:authenticated'] } }),
  });
  return ((await r.json()) as { status: { allowed: boolean } }).status.allowed;
}

before(async () => {
  server = await startTestServer();
  const acct = server.adminFile.AccountId;
  const admin = async (body: unknown) => {
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', body);
    assert.equal(r.status, 200, JSON.stringify(r.json));
  };
  await admin({
    documents: [
      { apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name: 'k1' }, spec: {} },
      {
        apiVersion: 'gatehouse.dev/v1',
        kind: 'User',
        metadata: { name: 'delegate' },
        spec: {
          inlinePolicies: {
            'manage-viewers': {
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: 'training:ApplyRbacObject', Resource: `arn:aws:training::${acct}:cluster/k1`, Condition: { StringEquals: { 'training:RbacName': 'viewers' } } }],
            },
          },
        },
      },
    ],
  });
  await admin({ cluster: 'k1', documents: [clusterRole('view', ['get']), clusterRole('cluster-admin', ['*']), binding('viewers', 'view', ['alice'])] });
  const k = await gatehouseJson(server.url, server.admin, 'POST', '/v1/access-keys', { userName: 'delegate' });
  assert.ok(k.status < 300, JSON.stringify(k.json));
  delegate = { accessKeyId: String(k.json['accessKeyId']), secretAccessKey: String(k.json['secretAccessKey']) };
  token = String((await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
});

after(async () => {
  await server?.stop();
});

test('the delegate manages the binding’s subjects, as an update on the binding may', async () => {
  const r = await gatehouseJson(server.url, delegate, 'POST', '/v1/apply', { cluster: 'k1', documents: [binding('viewers', 'view', ['alice', 'bob'])] });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(await sar('bob', 'get'), true);
});

test('changing the roleRef of an existing binding is refused at roleRef, and changes nothing', async () => {
  for (const who of [delegate, server.admin]) {
    const r = await gatehouseJson(server.url, who, 'POST', '/v1/apply', { cluster: 'k1', documents: [binding('viewers', 'cluster-admin', ['alice', 'bob'])] });
    assert.equal(r.status, 400, JSON.stringify(r.json));
    const text = JSON.stringify(r.json);
    assert.match(text, /roleRef/);
    assert.match(text, /cannot change/);
  }
  assert.equal(await sar('alice', 'delete'), false, 'alice is still only a viewer');
  assert.equal(await sar('alice', 'get'), true);
});

test('a binding of another name grants the other role (the old one pruned)', async () => {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { cluster: 'k1', namespace: 'team', prune: true, documents: [binding('admins', 'cluster-admin', ['alice'])] });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(await sar('alice', 'delete'), true);
  assert.equal(await sar('bob', 'get'), false, 'viewers was pruned');
});
