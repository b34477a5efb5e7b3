/**
 * Review ff, 2: a non-resource SubjectAccessReview of verb `*` is denied when IAM denies one of the HTTP methods it
 * covers. A request to a non-resource URL is authorized with its HTTP method in lower case (`get`, `post`, `put`,
 * `patch`, `delete`, `head`, `options`: k8s.io/apiserver's RequestInfoFactory), but the webhook viewed verb `*` as the
 * verbs of resource requests only (get, list, create, update…): with a Deny of `kubernetes:post` on `<cluster>/logs/*`,
 * `kubectl auth can-i '*' /logs/` was answered allowed while every `post /logs/…` is denied (review I, C3 made `*` a
 * denied answer when any verb it covers is denied, for resources). Now a non-resource `*` also covers the HTTP methods.
 *
 * Real server; the TokenReview with a token presigned by SDK v3's SignatureV4 (as `aws eks get-token`).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { aliceOnK1, type AliceOnK1, type ReviewAnswer } from './support/kube-session.ts';

let server: TestServer;
let k1: AliceOnK1;
const GROUP = 'rbac.authorization.k8s.io';

const sar = (verb: string, path: string): Promise<ReviewAnswer> => k1.sar({ nonResourceAttributes: { verb, path } });

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: (cluster) => ({ 'no-log-writes': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:post', Resource: `${cluster}/logs/*` }] } }),
    group: 'ops',
    rbac: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'logs' }, rules: [{ nonResourceURLs: ['/logs', '/logs/*'], verbs: ['*'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'ops' }, subjects: [{ kind: 'Group', name: 'ops', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'logs', apiGroup: GROUP } },
    ],
  });
});

after(async () => {
  await server?.stop();
});

test('the concrete requests: get allowed, post denied', async () => {
  const get = await sar('get', '/logs/kube-apiserver.log');
  assert.deepEqual([get.allowed, get.denied], [true, false], get.reason);
  const post = await sar('post', '/logs/kube-apiserver.log');
  assert.deepEqual([post.allowed, post.denied], [false, true], post.reason);
});

test('verb * on a non-resource URL covers post, which IAM denies', async () => {
  const s = await sar('*', '/logs/kube-apiserver.log');
  assert.deepEqual([s.allowed, s.denied], [false, true], s.reason);
  assert.match(s.reason, /kubernetes:post/);
});

test('verb * where IAM denies nothing is still allowed', async () => {
  const s = await sar('*', '/logs');
  assert.deepEqual([s.allowed, s.denied], [true, false], s.reason);
});
