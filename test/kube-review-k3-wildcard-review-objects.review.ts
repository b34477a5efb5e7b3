/**
 * Review K, K3: a SubjectAccessReview that names no object covers every object, and their subresources. `kubectl auth
 * can-i '*' '*' -n ml`, `can-i '*' pods`, `can-i get secrets` and `can-i create pods --subresource=exec` ask whether
 * the user may act on any object; the webhook looked for IAM denies only on the collections (`…/namespaces/ml/pods`),
 * so a Deny of `kubernetes:create` on `…/namespaces/*\/pods/*\/exec` or of `kubernetes:get` on
 * `…/namespaces/ml/secrets/db-password` was never found: RBAC's allow was answered (a concrete `create pods/p/exec` was
 * denied, so tools and people that ask first were told yes for what every request is refused). Now the objects a deny
 * pattern names below each view are decided too, in one namespace and across all of them, and for resource `*` the
 * resources a deny names that no RBAC rule of the cluster does (a custom resource). Reviews of `list`, `watch`,
 * `create` and `deletecollection` without a name are requests on the collection, as kube-apiserver sends them: unchanged.
 *
 * Real server; the TokenReview with a token presigned by SDK v3's SignatureV4 (as `aws eks get-token`); the reviews in
 * the JSON kube-apiserver sends (webhook.go: metadata.creationTimestamp null, an empty status).
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
          { Effect: 'Deny', Action: 'kubernetes:create', Resource: `${cluster}/namespaces/*/pods/*/exec` },
          { Effect: 'Deny', Action: 'kubernetes:get', Resource: `${cluster}/namespaces/ml/secrets/db-password` },
          // A custom resource no RBAC rule of the cluster names.
          { Effect: 'Deny', Action: 'kubernetes:delete', Resource: `${cluster}/namespaces/*/widgets.example.com*` },
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

describe('K3: a review naming no object is denied when IAM denies an object it covers', () => {
  test('in one namespace: *, * pods, get secrets, create pods/exec', async () => {
    for (const [attributes, denied] of [
      [{ namespace: 'ml', verb: '*', group: '', resource: '*' }, /kubernetes:(get|create) on resource: \S+\/namespaces\/ml\/(secrets\/db-password|pods\/x\/exec)/],
      [{ namespace: 'ml', verb: '*', group: '*', resource: '*' }, /kubernetes:(get|create)/],
      [{ namespace: 'ml', verb: '*', group: '', resource: 'pods' }, /kubernetes:create on resource: \S+\/namespaces\/ml\/pods\/x\/exec/],
      [{ namespace: 'ml', verb: 'get', group: '', version: 'v1', resource: 'secrets' }, /kubernetes:get on resource: \S+\/namespaces\/ml\/secrets\/db-password/],
      [{ namespace: 'ml', verb: 'create', group: '', version: 'v1', resource: 'pods', subresource: 'exec' }, /kubernetes:create on resource: \S+\/namespaces\/ml\/pods\/x\/exec/],
    ] as const) {
      const s = await sar(attributes);
      assert.deepEqual([s.allowed, s.denied], [false, true], `${JSON.stringify(attributes)}: ${s.reason}`);
      assert.match(s.reason, denied);
    }
  });

  test('across all namespaces', async () => {
    for (const attributes of [
      { namespace: '', verb: '*', group: '*', resource: '*' },
      { namespace: '', verb: '*', group: '', resource: 'pods' },
      { namespace: '', verb: 'get', group: '', version: 'v1', resource: 'secrets' },
      { namespace: '', verb: 'create', group: '', version: 'v1', resource: 'pods', subresource: 'exec' },
    ]) {
      const s = await sar(attributes);
      assert.deepEqual([s.allowed, s.denied], [false, true], `${JSON.stringify(attributes)}: ${s.reason}`);
    }
  });

  test('a resource no RBAC rule names, in a review of resource *', async () => {
    for (const attributes of [
      { namespace: 'team', verb: '*', group: 'example.com', resource: '*' },
      { namespace: 'team', verb: 'delete', group: '*', resource: '*' },
      { namespace: '', verb: '*', group: '*', resource: '*' },
    ]) {
      const s = await sar(attributes);
      assert.deepEqual([s.allowed, s.denied], [false, true], `${JSON.stringify(attributes)}: ${s.reason}`);
      assert.match(s.reason, /kubernetes:(delete|get|create) on resource: \S+\/namespaces\/\S+/);
    }
    const other = await sar({ namespace: 'team', verb: '*', group: 'other.example.org', resource: '*' });
    assert.deepEqual([other.allowed, other.denied], [true, false], other.reason);
  });

  test('what no deny covers is allowed, and requests on a collection are decided as before', async () => {
    for (const attributes of [
      { namespace: 'ml', verb: 'list', group: '', version: 'v1', resource: 'secrets' },
      { namespace: 'ml', verb: 'create', group: '', version: 'v1', resource: 'pods' },
      { namespace: 'ml', verb: 'get', group: '', version: 'v1', resource: 'secrets', name: 'other' },
      { namespace: 'ml', verb: 'get', group: '', version: 'v1', resource: 'pods', subresource: 'log' },
      { namespace: 'team', verb: 'get', group: '', version: 'v1', resource: 'secrets' },
      { namespace: '', verb: 'get', group: '', version: 'v1', resource: 'configmaps' },
    ]) {
      const s = await sar(attributes);
      assert.deepEqual([s.allowed, s.denied], [true, false], `${JSON.stringify(attributes)}: ${s.reason}`);
    }
    const exec = await sar({ namespace: 'ml', verb: 'create', group: '', version: 'v1', resource: 'pods', subresource: 'exec', name: 'p' });
    assert.equal(exec.denied, true, exec.reason);
  });

  test('the authorize API answers the same question the same way', async () => {
    const ask = (action: string, path: string) => k1.ask(action, path);
    assert.equal(await ask('kubernetes:get', '/namespaces/ml/secrets'), 'ExplicitDeny');
    assert.equal(await ask('kubernetes:create', '/namespaces/ml/pods/exec'), 'Allow', 'a pod named exec');
    assert.equal(await ask('kubernetes:list', '/namespaces/ml/secrets'), 'Allow');
    assert.equal(await ask('kubernetes:get', '/namespaces/team/secrets'), 'Allow');
  });
});
