/**
 * Review ou, 4: an IAM Deny of `kubectl exec` (`kubernetes:create` on `<cluster>/namespaces/prod/pods/*\/exec`) was
 * sidestepped through the node proxy: a user whose RBAC grants `nodes/proxy` (as many monitoring ClusterRoles do) runs
 * commands in any pod of `prod` through the kubelet API, `POST /api/v1/nodes/<node>/proxy/run/prod/<pod>/<container>`
 * (`create nodes/proxy`) or its WebSocket `exec` (`get nodes/proxy`), and reads its logs by `containerLogs`. The webhook
 * answered those reviews with RBAC's Allow, IAM viewing them on `<cluster>/nodes/<node>/proxy` alone.
 *
 * Contract: Kubernetes' RBAC good practices (kubernetes.io/docs/concepts/security/rbac-good-practices/, "Escalation
 * paths"): "Access to the proxy sub-resource of node objects grants rights to the Kubelet API, which allows for
 * command execution on every pod on the node(s) to which they have rights"; docs/decisions.md "A review that stands for
 * more than its own path" (an eviction is its pod's deletion, a token request its service account's impersonation,
 * approving a client signer impersonation: reviews hr 6, ia 1, ix 5), and "A WebSocket exec is a `create` of it"
 * (review ix, 4: a Deny of `kubernetes:create` on exec suffices).
 *
 * What was wrong: src/app/kube.ts `iamViews` did not know `nodes/proxy`. Now a review of `get`, `create` or `*` on a
 * node's `proxy` (any node, or all) is also each kubelet session it opens on the pods the node runs, which Gatehouse
 * cannot tell: `exec`, `attach`, `portforward` and `log` of every pod in every namespace, decided as `kubectl auth can-i
 * get pods --subresource=exec -A` would be (in the webhook and the authorize API alike). So is a node's `log` (the
 * kubelet's `/logs/`, the node's /var/log with every pod's container logs): every pod's `log`.
 *
 * Before the fix 3 of 4 tests failed.
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

const proxy = (verb: string, name = 'node-1') => ({ resourceAttributes: { verb, version: 'v1', resource: 'nodes', subresource: 'proxy', name } });

before(async () => {
  s = await startTestServer();
  k = await aliceOnK1(s, {
    group: 'ops',
    inlinePolicies: (cluster) => ({
      'no-exec-in-prod': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:create', Resource: `${cluster}/namespaces/prod/pods/*/exec` }] },
      'no-logs-in-audit': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:get', Resource: `${cluster}/namespaces/audit/pods/*/log` }] },
    }),
    rbac: [
      {
        apiVersion: `${RBAC}/v1`,
        kind: 'ClusterRole',
        metadata: { name: 'node-ops' },
        rules: [
          { apiGroups: [''], resources: ['nodes', 'nodes/proxy', 'nodes/stats', 'nodes/log', 'pods', 'pods/exec', 'pods/log'], verbs: ['get', 'list', 'create'] },
        ],
      },
      { apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'ops' }, subjects: [{ kind: 'Group', name: 'ops', apiGroup: RBAC }], roleRef: { kind: 'ClusterRole', name: 'node-ops', apiGroup: RBAC } },
    ],
  });
});
after(() => s?.stop());

describe('the node proxy is exec into every pod on the node (review ou, 4)', () => {
  it('exec in prod is denied, and so are create and get of a node’s proxy (the kubelet’s run and exec)', async () => {
    const exec = await k.sar({ resourceAttributes: { namespace: 'prod', verb: 'create', version: 'v1', resource: 'pods', subresource: 'exec', name: 'api-0' } });
    assert.equal(exec.denied, true, exec.reason);
    for (const verb of ['create', 'get', '*']) {
      const a = await k.sar(proxy(verb));
      assert.equal(a.denied, true, `${verb}: ${a.reason}`);
      assert.match(a.reason, /kubernetes:create on resource: \S+\/namespaces\/prod\/pods\/\S+\/exec/, `${verb}: ${a.reason}`);
    }
    assert.equal((await k.sar(proxy('create', ''))).denied, true);
  });

  it('a node’s log (the kubelet’s /logs/, every pod’s container logs) is denied where a pod’s log is', async () => {
    const log = await k.sar({ resourceAttributes: { verb: 'get', version: 'v1', resource: 'nodes', subresource: 'log', name: 'node-1' } });
    assert.equal(log.denied, true, log.reason);
    assert.match(log.reason, /kubernetes:get on resource: \S+\/namespaces\/audit\/pods\/\S+\/log/, log.reason);
    assert.equal(await k.ask('kubernetes:get', '/nodes/node-1/log'), 'ExplicitDeny');
  });

  it('the authorize API agrees', async () => {
    assert.equal(await k.ask('kubernetes:create', '/nodes/node-1/proxy'), 'ExplicitDeny');
    assert.equal(await k.ask('kubernetes:get', '/nodes/node-1/proxy'), 'ExplicitDeny');
  });

  it('the node itself, its stats, and exec outside prod are still allowed by RBAC', async () => {
    for (const attrs of [
      { resourceAttributes: { verb: 'get', version: 'v1', resource: 'nodes', name: 'node-1' } },
      { resourceAttributes: { verb: 'get', version: 'v1', resource: 'nodes', subresource: 'stats', name: 'node-1' } },
      { resourceAttributes: { namespace: 'dev', verb: 'create', version: 'v1', resource: 'pods', subresource: 'exec', name: 'api-0' } },
    ]) {
      const a = await k.sar(attrs);
      assert.equal(a.allowed, true, `${JSON.stringify(attrs)}: ${a.reason}`);
    }
    assert.equal(await k.ask('kubernetes:get', '/nodes/node-1'), 'Allow');
  });
});
