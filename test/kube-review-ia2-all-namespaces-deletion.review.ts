/**
 * Review ia, 2: deleting every namespace got past an IAM deny on deleting what is in them. `deletecollection` on
 * `namespaces` (`DELETE /api/v1/namespaces`, `kubectl auth can-i deletecollection namespaces`) is one
 * SubjectAccessReview at cluster scope; each namespace it deletes is then emptied by the namespace controller, as
 * itself, with no review of the user naming those objects. Since review hr, 2 the deletion of one namespace covers the
 * objects in it that a Deny on `kubernetes:delete` names, but the cluster-wide form was decided on the namespace objects
 * alone (`…/namespaces/<name>`): with `Deny kubernetes:delete` on `<cluster>/namespaces/prod/pods/*` or
 * `…/namespaces/*-data/secrets/*`, alice's `delete namespaces/prod` was denied and her `deletecollection namespaces`
 * allowed; so were `kubectl auth can-i delete namespaces` (no name) and verb `*` on `namespaces/prod`. A review that
 * deletes namespaces it does not name now covers the objects in each namespace a Deny names, as one namespace's deletion
 * does, and verb `*` on one namespace covers its objects as `delete` does, in the webhook and the authorize API.
 *
 * Before the fix 2 of 3 tests failed.
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
let k2: AliceOnK1;
let other: TestServer;
const GROUP = 'rbac.authorization.k8s.io';

const RBAC = [
  { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'ops' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] },
  { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'ops' }, subjects: [{ kind: 'Group', name: 'ops', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'ops', apiGroup: GROUP } },
];
const deleteAll = (k: AliceOnK1) => k.sar({ resourceAttributes: { verb: 'deletecollection', resource: 'namespaces', version: 'v1' } });

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: (cluster) => ({
      'keep-prod-pods': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:delete', Resource: `${cluster}/namespaces/prod/pods/*` }] },
    }),
    group: 'ops',
    rbac: RBAC,
  });
  other = await startTestServer();
  k2 = await aliceOnK1(other, {
    inlinePolicies: (cluster) => ({
      'keep-secrets': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:delete', Resource: `${cluster}/namespaces/*-data/secrets/*` }] },
    }),
    group: 'ops',
    rbac: RBAC,
  });
});

after(async () => {
  await server?.stop();
  await other?.stop();
});

test('deleting every namespace is denied when IAM denies deleting objects in one of them', async () => {
  const one = await k1.sar({ resourceAttributes: { verb: 'delete', resource: 'namespaces', name: 'prod', namespace: 'prod' } });
  assert.deepEqual([one.allowed, one.denied], [false, true], one.reason);
  const all = await deleteAll(k1);
  assert.deepEqual([all.allowed, all.denied], [false, true], all.reason);
  assert.match(all.reason, /kubernetes:delete on resource: arn:aws:training::\d{12}:cluster\/k1\/namespaces\/prod\/pods/);
  const star = await k1.sar({ resourceAttributes: { verb: '*', resource: 'namespaces', name: 'prod', namespace: 'prod' } });
  assert.deepEqual([star.allowed, star.denied], [false, true], star.reason);
  // `kubectl auth can-i delete namespaces`, and verb `*`, cover deleting each namespace too.
  for (const verb of ['delete', '*']) {
    const any = await k1.sar({ resourceAttributes: { verb, resource: 'namespaces', version: 'v1' } });
    assert.deepEqual([any.allowed, any.denied], [false, true], `${verb}: ${any.reason}`);
  }
  const secrets = await deleteAll(k2);
  assert.deepEqual([secrets.allowed, secrets.denied], [false, true], secrets.reason);
  assert.match(secrets.reason, /\/secrets\//);
});

test('the authorize API says the same of kubernetes:deletecollection on namespaces', async () => {
  assert.equal(await k1.ask('kubernetes:deletecollection', '/namespaces'), 'ExplicitDeny');
  assert.equal(await k2.ask('kubernetes:deletecollection', '/namespaces'), 'ExplicitDeny');
});

test('listing every namespace, and deleting every collection no Deny reaches, are allowed as before', async () => {
  const list = await k1.sar({ resourceAttributes: { verb: 'list', resource: 'namespaces', version: 'v1' } });
  assert.deepEqual([list.allowed, list.denied], [true, false], list.reason);
  const configmaps = await k1.sar({ resourceAttributes: { verb: 'deletecollection', resource: 'configmaps', version: 'v1' } });
  assert.deepEqual([configmaps.allowed, configmaps.denied], [true, false], configmaps.reason);
});
