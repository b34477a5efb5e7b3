/**
 * Review sc, 3: an IAM Deny of `kubectl exec` (`kubernetes:create` on `<cluster>/namespaces/prod/pods/*\/exec`) was
 * sidestepped by `kubectl debug -it api-0 --image=busybox --target=main`: an ephemeral container (a `patch` of the pod's
 * `ephemeralcontainers` subresource, which edit-like ClusterRoles grant with `pods`) runs in the pod's network and
 * volumes and, with `--target`, in its processes' namespace (`/proc/1/environ`, `/proc/1/root`), and kubectl then
 * attaches a shell to it: the shell in the pod that the Deny refused. The webhook answered RBAC's Allow, IAM viewing
 * the review on `…/pods/api-0/ephemeralcontainers` alone, and so did the authorize API.
 *
 * Contract: docs/decisions.md "A review that stands for more than its own path" (an eviction is its pod's deletion, a
 * node's proxy exec into its pods: reviews hr, 6 and ou, 4); Kubernetes' ephemeral containers ("useful for interactive
 * troubleshooting when kubectl exec is insufficient", sharing the target container's process namespace). Now an
 * `update`, `patch` or `*` of a pod's `ephemeralcontainers` is also `create` of that pod's `exec`, in the webhook and
 * the authorize API alike; outside the Deny's scope it is decided as before.
 *
 * Before the fix 2 of 3 tests failed.
 *
 * A real server (startTestServer, SQLite); user alice's token presigned by SDK v3's SignatureV4, reviewed by the
 * TokenReview webhook, then SubjectAccessReviews in the JSON kube-apiserver sends.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { aliceOnK1, type AliceOnK1 } from './support/kube-session.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const RBAC = 'rbac.authorization.k8s.io';
let s: TestServer;
let k: AliceOnK1;

const debug = (verb: string, namespace = 'prod') => ({ resourceAttributes: { namespace, verb, version: 'v1', resource: 'pods', subresource: 'ephemeralcontainers', name: 'api-0' } });

before(async () => {
  s = await startTestServer();
  k = await aliceOnK1(s, {
    group: 'devs',
    inlinePolicies: (cluster) => ({
      'no-exec-in-prod': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:create', Resource: `${cluster}/namespaces/prod/pods/*/exec` }] },
    }),
    rbac: [
      { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: 'debugger' }, rules: [{ apiGroups: [''], resources: ['pods', 'pods/exec', 'pods/attach', 'pods/ephemeralcontainers'], verbs: ['get', 'create', 'update', 'patch'] }] },
      { apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'devs' }, subjects: [{ kind: 'Group', name: 'devs', apiGroup: RBAC }], roleRef: { kind: 'ClusterRole', name: 'debugger', apiGroup: RBAC } },
    ],
  });
});
after(() => s?.stop());

describe('an ephemeral container is exec into its pod (review sc, 3)', () => {
  it('exec in prod is denied, and so is adding an ephemeral container to a pod in prod (kubectl debug: patch, update, *)', async () => {
    const exec = await k.sar({ resourceAttributes: { namespace: 'prod', verb: 'create', version: 'v1', resource: 'pods', subresource: 'exec', name: 'api-0' } });
    assert.equal(exec.denied, true, exec.reason);
    for (const verb of ['patch', 'update', '*']) {
      const a = await k.sar(debug(verb));
      assert.deepEqual([a.allowed, a.denied], [false, true], `${verb}: ${a.reason}`);
      assert.match(a.reason, /kubernetes:create on resource: \S+\/namespaces\/prod\/pods\/api-0\/exec/, `${verb}: ${a.reason}`);
    }
  });

  it('the authorize API agrees', async () => {
    assert.equal(await k.ask('kubernetes:patch', '/namespaces/prod/pods/api-0/ephemeralcontainers'), 'ExplicitDeny');
    assert.equal(await k.ask('kubernetes:update', '/namespaces/prod/pods/api-0/ephemeralcontainers'), 'ExplicitDeny');
  });

  it('outside prod, and reading the pod’s ephemeral containers, RBAC still decides', async () => {
    for (const attrs of [debug('patch', 'dev'), debug('get')]) {
      const a = await k.sar(attrs);
      assert.deepEqual([a.allowed, a.denied], [true, false], `${JSON.stringify(attrs)}: ${a.reason}`);
    }
    assert.equal(await k.ask('kubernetes:patch', '/namespaces/dev/pods/api-0/ephemeralcontainers'), 'Allow');
  });
});
