/**
 * Review sr, 4: the changes of a cluster's Kubernetes side that name the cluster in another case than its own were
 * decided on the stored cluster's ARN alone (`/v1/clusters/K1/access-entries`, `/v1/clusters/K1/webhook-config`, and
 * since review sr, 1 apply's AccessEntry `spec.cluster: K1` and `--cluster K1`), where `PUT /v1/clusters/K1`, apply of a
 * Cluster document and the authorize API decide on the stored name's ARN *and* on the name as asked, so that an explicit
 * Deny written on either spelling holds (docs/decisions.md "apply decides a Workspace's or Cluster's write on the
 * document's spelling too", review sm, 2: "Both doors now decide on the same names, one rule (`namesDecided`)"; the
 * authorize API: "an explicit deny of the ARN as asked holds too"). A Deny on `…:cluster/K1` refused
 * `PUT /v1/clusters/K1` but not an access entry, an RBAC binding or a token rotation asked on `K1`. Now those are
 * decided on both names too.
 *
 * Before the fix 5 of 5 tests failed (the fifth because the others had written what they should not have).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;
let acct = '';
let lead = { accessKeyId: '', secretAccessKey: '' };

const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const binding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'lead-admins' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'Group', name: 'admins', apiGroup: 'rbac.authorization.k8s.io' }] };
const message = (r: { json: Record<string, unknown> }): string => String((r.json['error'] as { message?: string } | undefined)?.message);

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('Cluster', 'k1', {}),
      doc('User', 'dev1', {}),
      doc('User', 'lead', {
        inlinePolicies: {
          p: {
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Action: ['training:*', 'iam:*'], Resource: '*' },
              { Effect: 'Deny', Action: ['training:CreateAccessEntry', 'training:ApplyRbacObject', 'training:RotateClusterWebhookToken', 'training:UpdateCluster'], Resource: `arn:aws:training::${acct}:cluster/K1` },
            ],
          },
        },
      }),
    ],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const k = await gatehouseJson(server.url, server.admin, 'POST', '/v1/access-keys', { userName: 'lead' });
  lead = { accessKeyId: String(k.json['accessKeyId']), secretAccessKey: String(k.json['secretAccessKey']) };
});

after(async () => {
  await server?.stop();
});

describe('review sr4: a Deny on the cluster ARN as asked holds for its Kubernetes side, as for the cluster', () => {
  test('/v1/clusters/K1/access-entries is refused', async () => {
    const r = await gatehouseJson(server.url, lead, 'POST', '/v1/clusters/K1/access-entries', { principalArn: `arn:aws:iam::${acct}:user/lead`, kubernetesGroups: ['admins'] });
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.match(message(r), new RegExp(`training:CreateAccessEntry on resource: arn:aws:training::${acct}:cluster/K1 `));
  });

  test('/v1/clusters/K1/webhook-config with rotate is refused', async () => {
    const r = await gatehouseJson(server.url, lead, 'POST', '/v1/clusters/K1/webhook-config', { rotate: true });
    assert.equal(r.status, 403, JSON.stringify(r.json));
  });

  test('apply of an AccessEntry with spec.cluster K1 is refused', async () => {
    const r = await gatehouseJson(server.url, lead, 'POST', '/v1/apply', { documents: [doc('AccessEntry', 'lead', { cluster: 'K1', principalArn: `arn:aws:iam::${acct}:user/lead`, kubernetesGroups: ['admins'] })] });
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.match(message(r), /cluster\/K1 /);
  });

  test('apply of RBAC objects with --cluster K1 is refused', async () => {
    const r = await gatehouseJson(server.url, lead, 'POST', '/v1/apply', { cluster: 'K1', documents: [binding] });
    assert.equal(r.status, 403, JSON.stringify(r.json));
  });

  test('the cluster as it is spelt is not denied, and nothing was written', async () => {
    const list = await gatehouseJson(server.url, server.admin, 'GET', '/v1/clusters/k1/access-entries');
    assert.deepEqual(list.json['accessEntries'], []);
    const r = await gatehouseJson(server.url, lead, 'POST', '/v1/clusters/k1/access-entries', { principalArn: `arn:aws:iam::${acct}:user/dev1`, kubernetesGroups: ['devs'] });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    const a = await gatehouseJson(server.url, lead, 'POST', '/v1/apply', { cluster: 'k1', documents: [binding] });
    assert.equal(a.status, 200, JSON.stringify(a.json));
  });
});
