/**
 * Review F, F2: a SubjectAccessReview that names no object (`kubectl auth can-i '*' '*' -n kube-system`, `can-i delete
 * clusterroles`) looks for IAM Denies on the objects below each collection (review K, K3), but only on names of
 * letters, digits, `.`, `_` and `-`. RBAC objects are named with `:` (`system:controller:bootstrap-signer`,
 * `eks:addon-manager`; Kubernetes checks their names as path segments: anything but `/`, `%`, `.` and `..`), so a Deny
 * of `kubernetes:delete` on `…/clusterroles.rbac.authorization.k8s.io/system:node` was never found and the wildcard
 * review was allowed, though the request on that object is denied. Now an object's name is what Kubernetes takes as
 * the loosest name (a path segment), in one namespace, across all of them, and for resource `*`. The same for a
 * subresource in one namespace (`can-i create pods --subresource=exec -n ml`), whose pod was found only with a name of
 * label characters: a Deny on `…/pods/web.1/exec` (a pod name with `.`) was missed.
 *
 * Real server; the TokenReview with a token presigned by SDK v3's SignatureV4 (as `aws eks get-token`); the reviews in
 * the JSON kube-apiserver sends.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { aliceOnK1, type AliceOnK1, type ReviewAnswer } from './support/kube-session.ts';

let server: TestServer;
let k1: AliceOnK1;
const GROUP = 'rbac.authorization.k8s.io';

const sar = (resourceAttributes: Record<string, string>): Promise<ReviewAnswer> => k1.sar({ resourceAttributes });

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: (cluster) => ({
      denies: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Deny', Action: 'kubernetes:delete', Resource: `${cluster}/clusterroles.${GROUP}/system:node` },
          { Effect: 'Deny', Action: 'kubernetes:update', Resource: `${cluster}/namespaces/kube-system/roles.${GROUP}/system:controller:*` },
          { Effect: 'Deny', Action: 'kubernetes:create', Resource: `${cluster}/namespaces/ml/pods/web.1/exec` },
        ],
      },
    }),
    group: 'admins',
    rbac: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'cluster-admin' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'admins' }, subjects: [{ kind: 'Group', name: 'admins', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'cluster-admin', apiGroup: GROUP } },
    ],
  });
});

after(async () => {
  await server?.stop();
});

describe('F2: a review naming no object finds IAM denies on object names with `:`', () => {
  test('the objects are denied by name, as before', async () => {
    const node = await sar({ namespace: '', verb: 'delete', group: GROUP, version: 'v1', resource: 'clusterroles', name: 'system:node' });
    assert.equal(node.denied, true, node.reason);
    const signer = await sar({ namespace: 'kube-system', verb: 'update', group: GROUP, version: 'v1', resource: 'roles', name: 'system:controller:bootstrap-signer' });
    assert.equal(signer.denied, true, signer.reason);
  });

  test('cluster-scoped: delete clusterroles, * clusterroles, * * (all namespaces)', async () => {
    for (const attributes of [
      { namespace: '', verb: 'delete', group: GROUP, version: 'v1', resource: 'clusterroles' },
      { namespace: '', verb: '*', group: GROUP, version: 'v1', resource: 'clusterroles' },
      { namespace: '', verb: '*', group: '*', resource: '*' },
    ]) {
      const s = await sar(attributes);
      assert.deepEqual([s.allowed, s.denied], [false, true], `${JSON.stringify(attributes)}: ${s.reason}`);
      assert.match(s.reason, /kubernetes:(delete|update|create) on resource: \S+\/(clusterroles\.rbac\.authorization\.k8s\.io\/system:node|namespaces\/kube-system\/roles\.rbac\.authorization\.k8s\.io\/system:controller:\S*|namespaces\/ml\/pods\/web\.1\/exec) /);
    }
  });

  test('in a namespace, and across all of them: update roles, * * -n kube-system', async () => {
    for (const attributes of [
      { namespace: 'kube-system', verb: 'update', group: GROUP, version: 'v1', resource: 'roles' },
      { namespace: 'kube-system', verb: '*', group: '*', resource: '*' },
      { namespace: 'kube-system', verb: '*', group: GROUP, resource: '*' },
      { namespace: '', verb: 'update', group: GROUP, version: 'v1', resource: 'roles' },
    ]) {
      const s = await sar(attributes);
      assert.deepEqual([s.allowed, s.denied], [false, true], `${JSON.stringify(attributes)}: ${s.reason}`);
      assert.match(s.reason, /kubernetes:update on resource: \S+\/namespaces\/kube-system\/roles\.rbac\.authorization\.k8s\.io\/system:controller:\S*/);
    }
  });

  test('a subresource of a pod whose name has `.`: create pods/exec -n ml, * pods -n ml', async () => {
    for (const attributes of [
      { namespace: 'ml', verb: 'create', group: '', version: 'v1', resource: 'pods', subresource: 'exec' },
      { namespace: 'ml', verb: '*', group: '', version: 'v1', resource: 'pods' },
      { namespace: 'ml', verb: '*', group: '*', resource: '*' },
      { namespace: '', verb: 'create', group: '', version: 'v1', resource: 'pods', subresource: 'exec' },
    ]) {
      const s = await sar(attributes);
      assert.deepEqual([s.allowed, s.denied], [false, true], `${JSON.stringify(attributes)}: ${s.reason}`);
      assert.match(s.reason, /kubernetes:create on resource: \S+\/namespaces\/ml\/pods\/web\.1\/exec /);
    }
  });

  test('what no deny covers is allowed', async () => {
    for (const attributes of [
      { namespace: 'team', verb: '*', group: '*', resource: '*' },
      { namespace: 'team', verb: 'create', group: '', version: 'v1', resource: 'pods', subresource: 'exec' },
      { namespace: 'kube-system', verb: 'delete', group: GROUP, version: 'v1', resource: 'roles' },
      { namespace: '', verb: 'update', group: GROUP, version: 'v1', resource: 'clusterroles' },
      { namespace: '', verb: 'list', group: GROUP, version: 'v1', resource: 'clusterroles' },
    ]) {
      const s = await sar(attributes);
      assert.deepEqual([s.allowed, s.denied], [true, false], `${JSON.stringify(attributes)}: ${s.reason}`);
    }
  });

  test('the authorize API answers the same questions the same way', async () => {
    const ask = (action: string, path: string) => k1.ask(action, path);
    assert.equal(await ask('kubernetes:delete', `/clusterroles.${GROUP}`), 'ExplicitDeny');
    assert.equal(await ask('kubernetes:update', `/namespaces/kube-system/roles.${GROUP}`), 'ExplicitDeny');
    assert.equal(await ask('kubernetes:update', `/namespaces/team/roles.${GROUP}`), 'Allow');
  });
});
