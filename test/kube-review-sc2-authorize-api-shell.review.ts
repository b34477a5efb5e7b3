/**
 * Review sc, 2: the authorize API (POST /v1/authorize) answered Allow for `kubernetes:create` on
 * `<cluster>/namespaces/kubeflow/pods/train/exec`, the exec into a pod that runs as role `Trainer`, for alice, who may no
 * longer pass the role, while the SubjectAccessReview webhook refuses that very exec (review ru, 1): a resource server,
 * or an operator's `gatehouse authorize`, was told she may open the shell that the cluster refuses her. So for attach,
 * and for a node's proxy (review sc, 1). Since issue "One authorize API" the two decide the same: the authorize API
 * now asks the role pods' PassRole too (the Kubernetes engine's store-reading refusal, `settle`), and answers
 * ExplicitDeny with pod admission's message, the pod and the role named; a pod that runs as no role, and alice while she
 * may pass the role, are answered Allow as before.
 *
 * Before the fix 1 of 3 tests failed.
 *
 * Real server; alice's token presigned by SDK v3's SignatureV4 and reviewed by the TokenReview webhook; the pod admitted
 * through the AdmissionReview webhook; SubjectAccessReviews as kube-apiserver sends them; the authorize API asked by the
 * root admin over SigV4.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { aliceOnK1, type AliceOnK1 } from './support/kube-session.ts';
import { admit, podCreate } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;
let k1: AliceOnK1;
const GROUP = 'rbac.authorization.k8s.io';

const policies = (passRole: 'Allow' | 'Deny') => ({ pass: { Version: '2012-10-17', Statement: [{ Effect: passRole, Action: 'iam:PassRole', Resource: '*' }] } });

async function setPassRole(effect: 'Allow' | 'Deny'): Promise<void> {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name: 'alice' }, spec: { inlinePolicies: policies(effect) } }] });
  assert.equal(r.status, 200, JSON.stringify(r.json));
}

/** The webhook's answer and the authorize API's to the same request, `[allowed, denied]` and the decision. */
async function both(verb: string, path: string, attrs: Record<string, string>): Promise<{ webhook: [boolean, boolean]; api: string; reasons: string }> {
  const w = await k1.sar({ resourceAttributes: { verb, version: 'v1', ...attrs } });
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${server.adminFile.AccountId}:user/alice`, action: `kubernetes:${verb}`, resource: `${k1.cluster}${path}` });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return { webhook: [w.allowed, w.denied], api: String(r.json['decision']), reasons: JSON.stringify(r.json['reasons']) };
}

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: () => policies('Allow'),
    group: 'scientists',
    rbac: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'scientist' }, rules: [{ apiGroups: [''], resources: ['pods', 'pods/exec', 'pods/attach', 'nodes/proxy'], verbs: ['get', 'create'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'scientist' }, subjects: [{ kind: 'Group', name: 'scientists', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'scientist', apiGroup: GROUP } },
    ],
  });
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'Trainer' }, spec: { trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'compute.gatehouse.dev' } }] } } }],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  // The pod as alice creates it (her reviewed user), in `kubeflow`, running as Trainer.
  const made = await admit(server.url, 'k1', k1.bearer, podCreate('', '', 'train', 'Trainer', k1.user, 'kubeflow'));
  assert.equal(made['allowed'], true, JSON.stringify(made));
});

after(async () => {
  await server?.stop();
});

const exec = { resource: 'pods', namespace: 'kubeflow', name: 'train', subresource: 'exec' };

test('while alice may pass the role, both answer exec into the pod and the node proxy allowed', async () => {
  for (const [verb, path, attrs] of [
    ['create', '/namespaces/kubeflow/pods/train/exec', exec],
    ['create', '/nodes/node-1/proxy', { resource: 'nodes', name: 'node-1', subresource: 'proxy' }],
  ] as const) {
    const r = await both(verb, path, attrs);
    assert.deepEqual([r.webhook, r.api], [[true, false], 'Allow'], `${path}: ${r.reasons}`);
  }
});

test('no longer allowed to pass it: the authorize API denies exec, attach and the node proxy, as the webhook does', async () => {
  await setPassRole('Deny');
  try {
    for (const [verb, path, attrs] of [
      ['create', '/namespaces/kubeflow/pods/train/exec', exec],
      ['get', '/namespaces/kubeflow/pods/train/exec', exec],
      ['create', '/namespaces/kubeflow/pods/train/attach', { ...exec, subresource: 'attach' }],
      ['get', '/nodes/node-1/proxy', { resource: 'nodes', name: 'node-1', subresource: 'proxy' }],
    ] as const) {
      const r = await both(verb, path, attrs);
      assert.deepEqual([r.webhook, r.api], [[false, true], 'ExplicitDeny'], `${verb} ${path}: ${r.reasons}`);
      assert.match(r.reasons, /user\/alice is not allowed to perform iam:PassRole on arn:aws:iam::\d{12}:role\/Trainer/);
    }
    const r = await both('create', '/namespaces/kubeflow/pods/train/exec', exec);
    assert.match(r.reasons, /exec into pod kubeflow\/train, which runs as arn:aws:iam::\d{12}:role\/Trainer/);
  } finally {
    await setPassRole('Allow');
  }
});

test('a pod Gatehouse gave no role is answered as before by both', async () => {
  await setPassRole('Deny');
  try {
    const r = await both('create', '/namespaces/kubeflow/pods/notebook/exec', { ...exec, name: 'notebook' });
    assert.deepEqual([r.webhook, r.api], [[true, false], 'Allow'], r.reasons);
  } finally {
    await setPassRole('Allow');
  }
});
