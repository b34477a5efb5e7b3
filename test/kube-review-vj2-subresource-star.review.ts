/**
 * Review vj, 2: a SubjectAccessReview for subresource `*` was not expanded as one for verb `*` is. kube-apiserver's RBAC
 * takes `pods/*` in a rule literally (rbac/v1 `ResourceMatches`: `*`, the exact `resource/subresource`, or
 * `*\/subresource`), so a role granting `pods/*` answers allowed to `kubectl auth can-i create pods --subresource='*'`,
 * "every subresource of pods". Gatehouse's IAM half viewed that review as the one path `…/pods/web/*` (or `…/pods/*`
 * for no pod), which a Deny on `…/namespaces/prod/pods/*\/exec` does not match: the union answered allowed to "may
 * alice create every subresource of prod's pods" while it denies her their `exec`. A review naming subresource `*` now
 * also stands for each subresource a Deny pattern names below the objects it covers (the pod named, every pod of the
 * namespace, every namespace), and explicit deny wins, as for verb `*`; the authorize API decides
 * `kubernetes:<verb>` on `…/pods/web/*` the same way.
 *
 * Before the fix 4 of 5 tests failed.
 *
 * Real server; alice's token presigned by SDK v3's SignatureV4 (as `aws eks get-token`) and reviewed by the TokenReview
 * webhook; SubjectAccessReviews as kube-apiserver sends them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { aliceOnK1, groupGrant, type AliceOnK1 } from './support/kube-session.ts';

let server: TestServer;
let k1: AliceOnK1;

const onPods = (verb: string, attributes: Record<string, string>) => k1.sar({ resourceAttributes: { verb, resource: 'pods', version: 'v1', ...attributes } });

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: (cluster) => ({
      'no-prod-shells': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:create', Resource: `${cluster}/namespaces/prod/pods/*/exec` }] },
    }),
    group: 'devs',
    rbac: groupGrant('devs', ['pods', 'pods/*'], ['get', 'create']),
  });
});

after(async () => {
  await server?.stop();
});

test('every subresource of one prod pod: denied, as its exec is', async () => {
  const exec = await onPods('create', { namespace: 'prod', name: 'web', subresource: 'exec' });
  assert.equal(exec.allowed, false, exec.reason);
  const r = await onPods('create', { namespace: 'prod', name: 'web', subresource: '*' });
  assert.deepEqual([r.allowed, r.denied], [false, true], r.reason);
  assert.match(r.reason, /kubernetes:create on resource: arn:aws:training::\d{12}:cluster\/k1\/namespaces\/prod\/pods\/web\/exec with an explicit deny/);
});

test('every subresource of every pod of prod (`kubectl auth can-i create pods --subresource=* -n prod`): denied', async () => {
  const r = await onPods('create', { namespace: 'prod', subresource: '*' });
  assert.deepEqual([r.allowed, r.denied], [false, true], r.reason);
});

test('every subresource of every pod in every namespace, and with verb `*`: denied', async () => {
  const r = await onPods('create', { subresource: '*' });
  assert.deepEqual([r.allowed, r.denied], [false, true], r.reason);
  const any = await onPods('*', { namespace: 'prod', name: 'web', subresource: '*' });
  assert.equal(any.allowed, false, any.reason);
});

test('another namespace is decided by RBAC as before', async () => {
  const dev = await onPods('create', { namespace: 'dev', name: 'web', subresource: '*' });
  assert.deepEqual([dev.allowed, dev.denied], [true, false], dev.reason);
  // (`get` of prod's: review vj, 4, kube-review-vj4: it covers the WebSocket exec, also `create`.)
});

test('the authorize API says the same of `kubernetes:create` on a pod’s `*` subresource', async () => {
  assert.equal(await k1.ask('kubernetes:create', '/namespaces/prod/pods/web/*'), 'ExplicitDeny');
  assert.equal(await k1.ask('kubernetes:create', '/namespaces/dev/pods/web/*'), 'Allow');
});
