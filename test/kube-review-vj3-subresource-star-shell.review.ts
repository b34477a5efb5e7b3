/**
 * Review vj, 3: a SubjectAccessReview of subresource `*` of a pod that runs as a role, or of a node, was allowed to a
 * user who may not pass the role, while the same user's exec into the pod (or the node's proxy) is refused (reviews ru,
 * 1 and sc, 1). kube-apiserver's RBAC takes `pods/*` and `nodes/*` in a rule literally (rbac/v1 `ResourceMatches`), so a
 * role granting them allows `kubectl auth can-i create pods/train --subresource='*'`: "every subresource of the pod",
 * exec and attach among them, which Gatehouse refuses. The shell check (`shellTargets`, `isNodeShell`) looked only at
 * `exec`, `attach` and `proxy`. Now subresource `*` of a named pod is a shell in it, and of a node (or every node) a
 * shell through its proxy, in the webhook and the authorize API, as verb `*` already is.
 *
 * Before the fix 2 of 3 tests failed.
 *
 * Real server; alice's token presigned by SDK v3's SignatureV4 and reviewed by the TokenReview webhook; the pod admitted
 * through the AdmissionReview webhook; SubjectAccessReviews as kube-apiserver sends them; the authorize API asked by the
 * root admin over SigV4.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rolePodShell, type RolePodShell } from './support/role-pod-shell.ts';

let w!: RolePodShell;
rolePodShell(['pods', 'pods/*', 'nodes/*'], (world) => (w = world));

const pod = { resource: 'pods', namespace: 'kubeflow', name: 'train', subresource: '*' };
const node = { resource: 'nodes', name: 'node-1', subresource: '*' };

test('while alice may pass the role, every subresource of the pod and of the node is allowed by both', async () => {
  for (const [verb, path, attrs] of [['create', '/namespaces/kubeflow/pods/train/*', pod], ['get', '/nodes/node-1/*', node]] as const) {
    const r = await w.both(verb, path, attrs);
    assert.deepEqual([r.webhook, r.api], [[true, false], 'Allow'], `${path}: ${r.webhookReason} ${r.reasons}`);
  }
});

test('no longer allowed to pass it: every subresource of the pod (exec among them) is refused by both', async () => {
  await w.setPassRole('Deny');
  try {
    for (const verb of ['create', 'get']) {
      const r = await w.both(verb, '/namespaces/kubeflow/pods/train/*', pod);
      assert.deepEqual([r.webhook, r.api], [[false, true], 'ExplicitDeny'], `${verb}: ${r.webhookReason} ${r.reasons}`);
      assert.match(`${r.webhookReason} ${r.reasons}`, /user\/alice is not allowed to perform iam:PassRole on arn:aws:iam::\d{12}:role\/Trainer/);
    }
    // Verb `*` too (the webhook alone: the authorize API asks one action).
    const any = await w.k1.sar({ resourceAttributes: { verb: '*', version: 'v1', ...pod } });
    assert.deepEqual([any.allowed, any.denied], [false, true], any.reason);
  } finally {
    await w.setPassRole('Allow');
  }
});

test('no longer allowed to pass it: every subresource of a node (its proxy among them) is refused by both', async () => {
  await w.setPassRole('Deny');
  try {
    const r = await w.both('get', '/nodes/node-1/*', node);
    assert.deepEqual([r.webhook, r.api], [[false, true], 'ExplicitDeny'], `${r.webhookReason} ${r.reasons}`);
    assert.match(`${r.webhookReason} ${r.reasons}`, /the proxy of node node-1 reaches the kubelet/);
  } finally {
    await w.setPassRole('Allow');
  }
});
