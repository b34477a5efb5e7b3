/**
 * Review kg, 3: a SubjectAccessReview of an impersonated user (`kubectl --as <username>`: no `extra.arn`) whose
 * username an access entry renders is decided with the IAM denies of the principal it maps to (review ia, 6), but its
 * audit record named the Kubernetes username as its principal (`alice`, `eng:dev-1`), not that IAM principal, and a
 * role's session had no `role`: `audit query --principal <the user's ARN>` and `audit query --role <the role's ARN>`
 * missed what was done in its name in the cluster. The record now names the IAM principal (and, for a role's session,
 * the role and the session), and keeps the username in `detail.user`; so does admission's record of a refused pod
 * naming a role that such a user made.
 *
 * Before the fix 3 of 3 tests failed.
 *
 * Real server; the reviews in the JSON kube-apiserver sends for an impersonated user; records read as `audit query` does.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { auditRecords, startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;
let acct = '';
let bearer = '';
const V = '2012-10-17';
const GROUP = 'rbac.authorization.k8s.io';
const DENY_DELETE = { Version: V, Statement: [{ Effect: 'Deny', Action: 'kubernetes:delete', Resource: '*' }] };

async function deletePod(username: string, name: string): Promise<{ allowed: boolean; denied: boolean; reason: string }> {
  const body = { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { resourceAttributes: { verb: 'delete', version: 'v1', resource: 'pods', namespace: 'ml', name }, user: username, groups: ['ops', 'system:authenticated'] } };
  const r = await fetch(`${server.url}/k8s/k1/authorize`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify(body) });
  const json = (await r.json()) as { status: Record<string, unknown> };
  assert.equal(r.status, 200, JSON.stringify(json));
  return { allowed: json.status['allowed'] === true, denied: json.status['denied'] === true, reason: String(json.status['reason']) };
}

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
  await server.iam().send(new CreateRoleCommand({ RoleName: 'eng', AssumeRolePolicyDocument: JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'sts:AssumeRole' }] }) }));
  await server.iam().send(new PutRolePolicyCommand({ RoleName: 'eng', PolicyName: 'no-delete', PolicyDocument: JSON.stringify(DENY_DELETE) }));
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('Cluster', 'k1', {}),
      doc('User', 'alice', { inlinePolicies: { 'no-delete': DENY_DELETE } }),
      doc('AccessEntry', 'alice', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/alice`, kubernetesGroups: ['ops'], username: 'alice' }),
      doc('AccessEntry', 'eng', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:role/eng`, kubernetesGroups: ['ops'], username: 'eng:{{SessionName}}' }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const rbac = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    cluster: 'k1',
    documents: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'ops' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['*'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'ops' }, subjects: [{ kind: 'Group', name: 'ops', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'ops', apiGroup: GROUP } },
    ],
  });
  assert.equal(rbac.status, 200, JSON.stringify(rbac.json));
  const config = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {});
  assert.equal(config.status, 200, JSON.stringify(config.json));
  bearer = String(config.json['token']);
});

after(async () => {
  await server?.stop();
});

test('an impersonated user: the record names its IAM user, the username in detail', async () => {
  const r = await deletePod('alice', 'p1');
  assert.deepEqual([r.allowed, r.denied], [false, true], r.reason);
  const arn = `arn:aws:iam::${acct}:user/alice`;
  const records = (await auditRecords(server, { principal: arn, action: 'kubernetes:delete' })).filter((x) => x.resource.endsWith('/pods/p1'));
  assert.equal(records.length, 1, JSON.stringify((await auditRecords(server, { action: 'kubernetes:delete' })).map((x) => [x.principal, x.resource])));
  assert.equal(records[0]?.decision, 'ExplicitDeny');
  assert.equal((records[0]?.detail as Record<string, unknown>)['user'], 'alice');
});

test("an impersonated role's session: the record names the session and its role", async () => {
  const r = await deletePod('eng:dev-1', 'p2');
  assert.deepEqual([r.allowed, r.denied], [false, true], r.reason);
  const records = (await auditRecords(server, { role: `arn:aws:iam::${acct}:role/eng`, action: 'kubernetes:delete' })).filter((x) => x.resource.endsWith('/pods/p2'));
  assert.equal(records.length, 1, JSON.stringify((await auditRecords(server, { action: 'kubernetes:delete' })).map((x) => [x.principal, x.role, x.resource])));
  assert.equal(records[0]?.principal, `arn:aws:sts::${acct}:assumed-role/eng/dev-1`);
  assert.equal((records[0]?.detail as Record<string, unknown>)['user'], 'eng:dev-1');
});

test('admission: a pod naming a role made by an impersonated user is recorded under its IAM user too', async () => {
  const review = {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: '00000000-0000-4000-8000-00000000kg31',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      name: 'p3',
      namespace: 'ml',
      operation: 'CREATE',
      userInfo: { username: 'alice', groups: ['ops', 'system:authenticated'], extra: {} },
      object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p3', namespace: 'ml', annotations: { 'gatehouse.dev/role': 'eng' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      oldObject: null,
      dryRun: false,
    },
  };
  const r = await fetch(`${server.url}/k8s/k1/admit`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify(review) });
  const json = (await r.json()) as { response: { allowed: boolean } };
  assert.equal(json.response.allowed, false, 'an impersonated user passes no role');
  const records = (await auditRecords(server, { action: 'training:AdmitPod' })).filter((x) => x.resource.endsWith('/pods/p3'));
  assert.deepEqual(records.map((x) => [x.principal, (x.detail as Record<string, unknown>)['user']]), [[`arn:aws:iam::${acct}:user/alice`, 'alice']]);
});
