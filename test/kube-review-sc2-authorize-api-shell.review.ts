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
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rolePodShell, type RolePodShell } from './support/role-pod-shell.ts';

let w!: RolePodShell;
rolePodShell(['pods', 'pods/exec', 'pods/attach', 'nodes/proxy'], (world) => (w = world));

const exec = { resource: 'pods', namespace: 'kubeflow', name: 'train', subresource: 'exec' };

test('while alice may pass the role, both answer exec into the pod and the node proxy allowed', async () => {
  for (const [verb, path, attrs] of [
    ['create', '/namespaces/kubeflow/pods/train/exec', exec],
    ['create', '/nodes/node-1/proxy', { resource: 'nodes', name: 'node-1', subresource: 'proxy' }],
  ] as const) {
    const r = await w.both(verb, path, attrs);
    assert.deepEqual([r.webhook, r.api], [[true, false], 'Allow'], `${path}: ${r.reasons}`);
  }
});

test('no longer allowed to pass it: the authorize API denies exec, attach and the node proxy, as the webhook does', async () => {
  await w.setPassRole('Deny');
  try {
    for (const [verb, path, attrs] of [
      ['create', '/namespaces/kubeflow/pods/train/exec', exec],
      ['get', '/namespaces/kubeflow/pods/train/exec', exec],
      ['create', '/namespaces/kubeflow/pods/train/attach', { ...exec, subresource: 'attach' }],
      ['get', '/nodes/node-1/proxy', { resource: 'nodes', name: 'node-1', subresource: 'proxy' }],
    ] as const) {
      const r = await w.both(verb, path, attrs);
      assert.deepEqual([r.webhook, r.api], [[false, true], 'ExplicitDeny'], `${verb} ${path}: ${r.reasons}`);
      assert.match(r.reasons, /user\/alice is not allowed to perform iam:PassRole on arn:aws:iam::\d{12}:role\/Trainer/);
    }
    const r = await w.both('create', '/namespaces/kubeflow/pods/train/exec', exec);
    assert.match(r.reasons, /exec into pod kubeflow\/train, which runs as arn:aws:iam::\d{12}:role\/Trainer/);
  } finally {
    await w.setPassRole('Allow');
  }
});

test('a pod Gatehouse gave no role is answered as before by both', async () => {
  await w.setPassRole('Deny');
  try {
    const r = await w.both('create', '/namespaces/kubeflow/pods/notebook/exec', { ...exec, name: 'notebook' });
    assert.deepEqual([r.webhook, r.api], [[true, false], 'Allow'], r.reasons);
  } finally {
    await w.setPassRole('Allow');
  }
});
