/**
 * Review kc, 4: admission's check that a pod's creator may act as the pod's service account (`kubernetes:impersonate`,
 * review ij, 1) was decided without `acs:AccessId`, the key the creator's token was signed with, which the
 * SubjectAccessReview webhook gives its IAM side (review do, 3). RAM's guard on the keys a principal may use (`Deny` when
 * `StringNotEquals acs:AccessId [<its approved key>]`) found it absent there: a negated operator on an absent key is
 * true, so kube-apiserver allowed `create pods` signed with the approved key and admission then refused every pod
 * ("not authorized to perform: kubernetes:impersonate … with an explicit deny"). Admission now decides with the key
 * Gatehouse's TokenReview sealed into the user's `extra` (the session's own, or the plain user's), as the webhook does;
 * a token signed with another key is still refused, and a claimed `extra.accessKeyId` (which impersonation sets) is not
 * read.
 *
 * Before the fix 1 of 3 tests failed.
 *
 * Real server; alice's tokens presigned by SDK v3's SignatureV4 (as `aws eks get-token`) and reviewed by the
 * TokenReview webhook; the reviews in the JSON kube-apiserver sends.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { aliceOnK1, type AliceOnK1 } from './support/kube-session.ts';
import { admitObject, reviewedUser, type UserInfo } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;
let k1: AliceOnK1;
let other: UserInfo;
const GROUP = 'rbac.authorization.k8s.io';
const POD = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'ml' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
const KIND = { group: '', version: 'v1', kind: 'Pod', resource: 'pods' };

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: () => ({}),
    group: 'ops',
    rbac: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'ops' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['*'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'ops' }, subjects: [{ kind: 'Group', name: 'ops', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'ops', apiGroup: GROUP } },
    ],
  });
  const approved = k1.user.extra['accessKeyId']?.[0] ?? '';
  assert.match(approved, /^AKIA/);
  // RAM's guard on the keys a principal may use, on Kubernetes: only the approved key.
  const guard = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:*', Resource: '*', Condition: { StringNotEquals: { 'acs:AccessId': approved } } }] };
  await server.iam().send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'approved-key', PolicyDocument: JSON.stringify(guard) }));
  const k = await gatehouseJson(server.url, server.admin, 'POST', '/v1/access-keys', { userName: 'alice' });
  assert.equal(k.status, 201, JSON.stringify(k.json));
  other = await reviewedUser(server.url, 'k1', k1.bearer, { accessKeyId: String(k.json['accessKeyId']), secretAccessKey: String(k.json['secretAccessKey']) });
});

after(async () => {
  await server?.stop();
});

test('signed with the approved key: kube-apiserver may create the pod, and admission admits it', async () => {
  const sar = await k1.sar({ resourceAttributes: { verb: 'create', version: 'v1', resource: 'pods', namespace: 'ml' } });
  assert.deepEqual([sar.allowed, sar.denied], [true, false], sar.reason);
  const admitted = await admitObject(server.url, 'k1', k1.bearer, 'ml', KIND, k1.user, POD);
  assert.equal(admitted.allowed, true, admitted.message);
});

test('signed with another key: refused by both, as before', async () => {
  const admitted = await admitObject(server.url, 'k1', k1.bearer, 'ml', KIND, other, POD);
  assert.equal(admitted.allowed, false);
  assert.match(admitted.message, /kubernetes:impersonate .* with an explicit deny/);
});

test('a claimed accessKeyId without the sealed facts is not read', async () => {
  const { 'gatehouse.dev/user': _sealed, ...claimed } = other.extra;
  const forged = { ...other, extra: { ...claimed, accessKeyId: k1.user.extra['accessKeyId'] ?? [] } };
  const admitted = await admitObject(server.url, 'k1', k1.bearer, 'ml', KIND, forged, POD);
  assert.equal(admitted.allowed, false, 'the claimed key is not the one the token was signed with');
});
