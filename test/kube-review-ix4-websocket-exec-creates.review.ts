/**
 * Review ix, 4: `kubectl exec`, `attach` and `port-forward` over WebSocket got past an IAM deny on `create` of the
 * subresource. Exec is `create` on `pods/exec` (POST, SPDY); since KEP-4006 kubectl (1.30 and later) opens it with a
 * WebSocket upgrade, a GET, which kube-apiserver authorizes as `get` on `pods/exec` (`attach`, `portforward` alike). So a
 * `Deny kubernetes:create` on `<cluster>/namespaces/prod/pods/*\/exec` — the verb the Kubernetes documentation gives
 * exec — refused the SPDY exec but not the WebSocket one, viewed as `kubernetes:get`: on a cluster before 1.35 alice
 * ran commands in prod's pods (their service accounts' tokens, their roles' credentials) past her Deny. Kubernetes 1.35
 * closed the same gap in RBAC by authorizing such a GET as `create` too (`AuthorizePodWebsocketUpgradeCreatePermission`,
 * kubernetes/kubernetes#133515: "get * gives only read-only access" was false). A `get` (or `*`) of a pod's `exec`,
 * `attach` or `portforward` now also stands for `create` of it, in the webhook and the authorize API; docs/decisions.md
 * no longer asks for a Deny of both verbs. Other subresources (`log`, `proxy`) are decided as before.
 *
 * Before the fix 3 of 4 tests failed.
 *
 * Real server; alice's token presigned by SDK v3's SignatureV4 (as `aws eks get-token`) and reviewed by the
 * TokenReview webhook; SubjectAccessReviews as kube-apiserver sends them; the authorize API as the root admin asks it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { aliceOnK1, type AliceOnK1 } from './support/kube-session.ts';

let server: TestServer;
let k1: AliceOnK1;
const GROUP = 'rbac.authorization.k8s.io';

const onPod = (verb: string, namespace: string, subresource: string, name = 'web') =>
  k1.sar({ resourceAttributes: { verb, resource: 'pods', version: 'v1', namespace, name, subresource } });

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: (cluster) => ({
      'no-prod-shells': {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Deny', Action: 'kubernetes:create', Resource: [`${cluster}/namespaces/prod/pods/*/exec`, `${cluster}/namespaces/prod/pods/*/attach`, `${cluster}/namespaces/prod/pods/*/portforward`] }],
      },
    }),
    group: 'devs',
    // What many roles grant (`edit`, `admin` grant both verbs on these subresources).
    rbac: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'devs' }, rules: [{ apiGroups: [''], resources: ['pods', 'pods/exec', 'pods/attach', 'pods/portforward', 'pods/log'], verbs: ['get', 'list', 'create'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'devs' }, subjects: [{ kind: 'Group', name: 'devs', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'devs', apiGroup: GROUP } },
    ],
  });
});

after(async () => {
  await server?.stop();
});

test('the WebSocket exec (get pods/exec) is denied where the SPDY one (create pods/exec) is', async () => {
  const spdy = await onPod('create', 'prod', 'exec');
  assert.deepEqual([spdy.allowed, spdy.denied], [false, true], spdy.reason);
  const ws = await onPod('get', 'prod', 'exec');
  assert.deepEqual([ws.allowed, ws.denied], [false, true], ws.reason);
  assert.match(ws.reason, /kubernetes:create on resource: arn:aws:training::\d{12}:cluster\/k1\/namespaces\/prod\/pods\/web\/exec with an explicit deny/);
});

test('attach and port-forward alike', async () => {
  for (const sub of ['attach', 'portforward']) {
    const r = await onPod('get', 'prod', sub);
    assert.deepEqual([r.allowed, r.denied], [false, true], `${sub}: ${r.reason}`);
  }
});

test('the authorize API says the same', async () => {
  assert.equal(await k1.ask('kubernetes:get', '/namespaces/prod/pods/web/exec'), 'ExplicitDeny');
  assert.equal(await k1.ask('kubernetes:get', '/namespaces/dev/pods/web/exec'), 'Allow');
});

test('other namespaces and other subresources are decided as before', async () => {
  const dev = await onPod('get', 'dev', 'exec');
  assert.deepEqual([dev.allowed, dev.denied], [true, false], dev.reason);
  const log = await onPod('get', 'prod', 'log');
  assert.deepEqual([log.allowed, log.denied], [true, false], log.reason);
});
