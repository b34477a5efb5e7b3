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
  return { webhook: [w.allowed, w.denied], api: String(r.json['decision']), reasons: `${w.reason} ${JSON.stringify(r.json['reasons'])}` };
}

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: () => policies('Allow'),
    group: 'scientists',
    rbac: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'scientist' }, rules: [{ apiGroups: [''], resources: ['pods', 'pods/*', 'nodes/*'], verbs: ['get', 'create'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'scientist' }, subjects: [{ kind: 'Group', name: 'scientists', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'scientist', apiGroup: GROUP } },
    ],
  });
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'Trainer' }, spec: { trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'compute.gatehouse.dev' } }] } } }],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const made = await admit(server.url, 'k1', k1.bearer, podCreate('', '', 'train', 'Trainer', k1.user, 'kubeflow'));
  assert.equal(made['allowed'], true, JSON.stringify(made));
});

after(async () => {
  await server?.stop();
});

const pod = { resource: 'pods', namespace: 'kubeflow', name: 'train', subresource: '*' };
const node = { resource: 'nodes', name: 'node-1', subresource: '*' };

test('while alice may pass the role, every subresource of the pod and of the node is allowed by both', async () => {
  for (const [verb, path, attrs] of [['create', '/namespaces/kubeflow/pods/train/*', pod], ['get', '/nodes/node-1/*', node]] as const) {
    const r = await both(verb, path, attrs);
    assert.deepEqual([r.webhook, r.api], [[true, false], 'Allow'], `${path}: ${r.reasons}`);
  }
});

test('no longer allowed to pass it: every subresource of the pod (exec among them) is refused by both', async () => {
  await setPassRole('Deny');
  try {
    for (const verb of ['create', 'get']) {
      const r = await both(verb, '/namespaces/kubeflow/pods/train/*', pod);
      assert.deepEqual([r.webhook, r.api], [[false, true], 'ExplicitDeny'], `${verb}: ${r.reasons}`);
      assert.match(r.reasons, /user\/alice is not allowed to perform iam:PassRole on arn:aws:iam::\d{12}:role\/Trainer/);
    }
    // Verb `*` too (the webhook alone: the authorize API asks one action).
    const any = await k1.sar({ resourceAttributes: { verb: '*', version: 'v1', ...pod } });
    assert.deepEqual([any.allowed, any.denied], [false, true], any.reason);
  } finally {
    await setPassRole('Allow');
  }
});

test('no longer allowed to pass it: every subresource of a node (its proxy among them) is refused by both', async () => {
  await setPassRole('Deny');
  try {
    const r = await both('get', '/nodes/node-1/*', node);
    assert.deepEqual([r.webhook, r.api], [[false, true], 'ExplicitDeny'], r.reasons);
    assert.match(r.reasons, /the proxy of node node-1 reaches the kubelet/);
  } finally {
    await setPassRole('Allow');
  }
});
