/**
 * Review vj, 4: a SubjectAccessReview of subresource `*` was not decided as the special reviews it covers. After
 * review vj, 2 it stands for each subresource a Deny pattern names below its object, but only with its own verb: a
 * WebSocket exec is `get` of `pods/exec` and also its `create` (review ix, 4), a `patch` of `ephemeralcontainers`
 * (`kubectl debug`) is a shell in the pod (review sc, 3), a node's `proxy` is every pod's exec (review ou, 4). So with a
 * Deny of `kubernetes:create` on `…/namespaces/prod/pods/*\/exec`, `kubectl auth can-i get pods/web --subresource='*' -n
 * prod`, `can-i patch` of it and `can-i get nodes/node-1 --subresource='*'` were allowed (RBAC's `pods/*` and
 * `nodes/*`, taken literally as kube-apiserver takes them), while the requests they cover are denied. Now a review of
 * subresource `*` also stands for the review of each such subresource of its resource (`SPECIAL_SUBRESOURCES`), decided
 * as that review would be, in the webhook and the authorize API.
 *
 * Before the fix 3 of 4 tests failed.
 *
 * Real server; alice's token presigned by SDK v3's SignatureV4 and reviewed by the TokenReview webhook;
 * SubjectAccessReviews as kube-apiserver sends them; the authorize API asked by the root admin over SigV4.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { aliceOnK1, groupGrant, type AliceOnK1 } from './support/kube-session.ts';

let server: TestServer;
let k1: AliceOnK1;

const sar = (verb: string, attributes: Record<string, string>) => k1.sar({ resourceAttributes: { verb, version: 'v1', ...attributes } });

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: (cluster) => ({
      'no-prod-shells': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:create', Resource: `${cluster}/namespaces/prod/pods/*/exec` }] },
    }),
    group: 'devs',
    rbac: groupGrant('devs', ['pods', 'pods/*', 'nodes/*'], ['get', 'create', 'patch']),
  });
});

after(async () => {
  await server?.stop();
});

test('`get` of every subresource of a prod pod covers its WebSocket exec: denied by both', async () => {
  const r = await sar('get', { resource: 'pods', namespace: 'prod', name: 'web', subresource: '*' });
  assert.deepEqual([r.allowed, r.denied], [false, true], r.reason);
  assert.equal(await k1.ask('kubernetes:get', '/namespaces/prod/pods/web/*'), 'ExplicitDeny');
});

test('`patch` of every subresource of a prod pod covers its ephemeral containers (a shell): denied by both', async () => {
  const r = await sar('patch', { resource: 'pods', namespace: 'prod', name: 'web', subresource: '*' });
  assert.deepEqual([r.allowed, r.denied], [false, true], r.reason);
  assert.equal(await k1.ask('kubernetes:patch', '/namespaces/prod/pods/web/*'), 'ExplicitDeny');
});

test('`get` of every subresource of a node covers its proxy, every pod’s exec: denied by both', async () => {
  const r = await sar('get', { resource: 'nodes', name: 'node-1', subresource: '*' });
  assert.deepEqual([r.allowed, r.denied], [false, true], r.reason);
  assert.equal(await k1.ask('kubernetes:get', '/nodes/node-1/*'), 'ExplicitDeny');
});

test('another namespace’s pod is decided by RBAC as before', async () => {
  for (const verb of ['get', 'patch', 'create']) {
    const r = await sar(verb, { resource: 'pods', namespace: 'dev', name: 'web', subresource: '*' });
    assert.deepEqual([r.allowed, r.denied], [true, false], `${verb}: ${r.reason}`);
    assert.equal(await k1.ask(`kubernetes:${verb}`, '/namespaces/dev/pods/web/*'), 'Allow', verb);
  }
});
