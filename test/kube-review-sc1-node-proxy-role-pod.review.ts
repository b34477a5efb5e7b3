/**
 * Review sc, 1: a node's proxy reached a pod that runs as a role without iam:PassRole of the role. Since review ru, 1
 * `kubectl exec` and `attach` into a pod Gatehouse admitted with a role need PassRole of it, but the kubelet's API
 * behind `nodes/proxy` runs commands in every pod on its node (`POST /api/v1/nodes/<node>/proxy/run/<ns>/<pod>/<c>`, a
 * `create nodes/proxy`; its WebSocket `exec`, a `get`): alice, no longer allowed to pass `Trainer`, still ran commands
 * as it in its pod through the proxy that monitoring ClusterRoles grant ("Access to the proxy sub-resource of node
 * objects grants rights to the Kubelet API, which allows for command execution on every pod on the node(s)",
 * Kubernetes' RBAC good practices). Which pods a node runs is not known to Gatehouse, so a node's proxy is now answered
 * `denied: true` unless the user (an IAM principal) may pass every role a running pod of the cluster runs as; a cluster
 * with no role pod, a node's `log` (no shell), and a user mapping to no IAM principal (kube-apiserver's own kubelet
 * client, which the kubelet asks of for every exec and log it relays) are decided as before.
 *
 * Before the fix 2 of 5 tests failed.
 *
 * Real server; alice's token presigned by SDK v3's SignatureV4 and reviewed by the TokenReview webhook; the pod
 * admitted through the AdmissionReview webhook; SubjectAccessReviews as kube-apiserver sends them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { aliceOnK1, type AliceOnK1 } from './support/kube-session.ts';
import { admit } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;
let k1: AliceOnK1;
const GROUP = 'rbac.authorization.k8s.io';

const onNode = (verb: string, subresource = 'proxy', name = 'node-1') => k1.sar({ resourceAttributes: { verb, resource: 'nodes', version: 'v1', name, subresource } });

const policies = (passRole: 'Allow' | 'Deny') => ({ pass: { Version: '2012-10-17', Statement: [{ Effect: passRole, Action: 'iam:PassRole', Resource: '*' }] } });

async function setPassRole(effect: 'Allow' | 'Deny'): Promise<void> {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name: 'alice' }, spec: { inlinePolicies: policies(effect) } }] });
  assert.equal(r.status, 200, JSON.stringify(r.json));
}

let jobId = '';

/** Creates the pod, or deletes it for good (grace 0: its job ends), through the AdmissionReview webhook. */
async function admitPod(name: string, operation: 'CREATE' | 'DELETE'): Promise<void> {
  const kind = { group: '', version: 'v1', kind: 'Pod' };
  const annotations = { 'gatehouse.dev/role': 'Trainer', ...(operation === 'DELETE' ? { 'gatehouse.dev/job': jobId } : {}) };
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'kubeflow', annotations }, spec: { containers: [{ name: 'main', image: 'trainer:v1' }] } };
  const made = await admit(server.url, 'k1', k1.bearer, {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `00000000-0000-4000-8000-00000000000${operation === 'CREATE' ? 1 : 2}`,
      kind,
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: kind,
      requestResource: { group: '', version: 'v1', resource: 'pods' },
      name,
      namespace: 'kubeflow',
      operation,
      userInfo: k1.user,
      object: operation === 'CREATE' ? pod : null,
      oldObject: operation === 'CREATE' ? null : pod,
      dryRun: false,
      options: operation === 'CREATE' ? { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' } : { apiVersion: 'meta.k8s.io/v1', kind: 'DeleteOptions', gracePeriodSeconds: 0 },
    },
  });
  assert.equal(made['allowed'], true, JSON.stringify(made));
  if (operation === 'CREATE') jobId = String((made['auditAnnotations'] as Record<string, string>)['job']);
}

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: () => policies('Allow'),
    group: 'scientists',
    rbac: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'node-ops' }, rules: [{ apiGroups: [''], resources: ['nodes', 'nodes/proxy', 'nodes/log', 'pods', 'pods/exec'], verbs: ['get', 'create'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'scientists' }, subjects: [{ kind: 'Group', name: 'scientists', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'node-ops', apiGroup: GROUP } },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'kubelet-api' }, subjects: [{ kind: 'User', name: 'kube-apiserver-kubelet-client', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'node-ops', apiGroup: GROUP } },
    ],
  });
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'Trainer' }, spec: { trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'compute.gatehouse.dev' } }] } } }],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  await admitPod('train', 'CREATE');
});

after(async () => {
  await server?.stop();
});

test('while alice may pass the role, the node proxy is allowed as before', async () => {
  const r = await onNode('create');
  assert.deepEqual([r.allowed, r.denied], [true, false], r.reason);
});

test('no longer allowed to pass it, alice may not open a node proxy (POST run or WebSocket exec): denied, naming the pod and role', async () => {
  await setPassRole('Deny');
  try {
    for (const verb of ['create', 'get', '*']) {
      const r = await onNode(verb);
      assert.deepEqual([r.allowed, r.denied], [false, true], `${verb}: ${r.reason}`);
      assert.match(r.reason, /user\/alice is not allowed to perform iam:PassRole on arn:aws:iam::\d{12}:role\/Trainer/);
      assert.match(r.reason, /proxy of node node-1 reaches the kubelet.*pod kubeflow\/train of cluster k1 runs as arn:aws:iam::\d{12}:role\/Trainer/);
    }
    // As her exec into the pod itself is (review ru, 1).
    const exec = await k1.sar({ resourceAttributes: { verb: 'create', resource: 'pods', version: 'v1', namespace: 'kubeflow', name: 'train', subresource: 'exec' } });
    assert.deepEqual([exec.allowed, exec.denied], [false, true], exec.reason);
  } finally {
    await setPassRole('Allow');
  }
});

test('any node, asked without a name, is denied too', async () => {
  await setPassRole('Deny');
  try {
    const r = await onNode('get', 'proxy', '');
    assert.deepEqual([r.allowed, r.denied], [false, true], r.reason);
    assert.match(r.reason, /proxy of every node/);
  } finally {
    await setPassRole('Allow');
  }
});

test("kube-apiserver's kubelet client (no IAM principal), which the kubelet asks of for every exec and log it relays, is decided as before", async () => {
  const s = await fetch(`${server.url}/k8s/k1/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${k1.bearer}` },
    body: JSON.stringify({
      kind: 'SubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec: { resourceAttributes: { verb: 'create', resource: 'nodes', version: 'v1', name: 'node-1', subresource: 'proxy' }, user: 'kube-apiserver-kubelet-client', groups: ['kubeadm:cluster-admins', 'system:authenticated'] },
      status: { allowed: false },
    }),
  });
  const status = ((await s.json()) as { status: { allowed: boolean; denied?: boolean; reason: string } }).status;
  assert.deepEqual([status.allowed, status.denied === true], [true, false], status.reason);
});

test("a node's log, and the node proxy once no pod runs as a role, are decided as before", async () => {
  await setPassRole('Deny');
  try {
    const log = await onNode('get', 'log');
    assert.deepEqual([log.allowed, log.denied], [true, false], log.reason);
    await admitPod('train', 'DELETE');
    const r = await onNode('create');
    assert.deepEqual([r.allowed, r.denied], [true, false], r.reason);
  } finally {
    await setPassRole('Allow');
  }
});
