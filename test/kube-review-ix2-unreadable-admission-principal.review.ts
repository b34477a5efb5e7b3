/**
 * Review ix, 2: admission let a pod run as a service account whenever the requesting user's IAM principal could not be
 * read. Since review ij, 1 the admission webhook refuses a pod (a workload's template, a token Secret) that runs as a
 * service account the user's principal is explicitly denied `kubernetes:impersonate` on; it reads that principal's
 * Deny statements from `userInfo.extra.arn`, or from the access entry that renders the username. When the principal
 * did not resolve — a user disabled (`gatehouse users disable`) or deleted, a session's role deleted — it was left out,
 * no Deny was read, and the pod was admitted. kube-apiserver keeps a TokenReview's user for its cache's lifetime (two
 * minutes by default, often more), and the authorization webhook then has no opinion for such a user (review I, S3),
 * so the cluster's own RBAC lets `create pods` through: a user disabled because of what they did kept running pods as
 * the very account a Deny kept them from. The SubjectAccessReview side fails closed for the same user ("its IAM denies
 * cannot be read, so Gatehouse's RBAC grants it nothing"); admission now does too: a principal that Gatehouse's own
 * TokenReview named (its sealed facts in `extra`), or that an access entry renders from the username, and that cannot
 * be read refuses the pod, naming why (disabled, deleted). A principal another authenticator named (no sealed facts)
 * is not Gatehouse's to decide and is left alone, as before.
 *
 * Before the fix 2 of 3 tests failed.
 *
 * Real server; alice's token presigned by SDK v3's SignatureV4 (as `aws eks get-token`) and reviewed by the TokenReview
 * webhook; AdmissionReviews as kube-apiserver sends them; alice disabled and enabled through the admin API.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { aliceOnK1, type AliceOnK1 } from './support/kube-session.ts';
import { admit, type UserInfo } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;
let k1: AliceOnK1;
let uid = 0;
const GROUP = 'rbac.authorization.k8s.io';

/** A pod CREATE in `namespace` running as `serviceAccountName`, by `userInfo` (alice's by default); the response. */
async function podCreate(namespace: string, serviceAccountName: string, userInfo: UserInfo = k1.user) {
  const object = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', namespace }, spec: { serviceAccountName, containers: [{ name: 'c', image: 'busybox' }] } };
  return admit(server.url, 'k1', k1.bearer, {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `00000000-0000-4000-8000-${String(++uid).padStart(12, '0')}`,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      requestResource: { group: '', version: 'v1', resource: 'pods' },
      name: 'x',
      namespace,
      operation: 'CREATE',
      userInfo,
      object,
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  });
}

const setDisabled = async (disabled: boolean) => {
  const r = await gatehouseJson(server.url, server.admin, 'POST', `/v1/users/alice/${disabled ? 'disable' : 'enable'}`, {});
  assert.ok(r.status >= 200 && r.status < 300, JSON.stringify(r.json));
};

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: (cluster) => ({
      'not-deployer': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:impersonate', Resource: `${cluster}/namespaces/prod/serviceaccounts/deployer` }] },
    }),
    group: 'devs',
    rbac: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'devs' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['*'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'devs' }, subjects: [{ kind: 'Group', name: 'devs', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'devs', apiGroup: GROUP } },
    ],
  });
});

after(async () => {
  await server?.stop();
});

test('a disabled user (its TokenReview still cached by kube-apiserver) cannot run a pod as the account its Deny names', async () => {
  await setDisabled(true);
  try {
    const r = await podCreate('prod', 'deployer');
    assert.equal(r['allowed'], false, JSON.stringify(r));
    const status = r['status'] as { code: number; message: string };
    assert.equal(status.code, 403);
    assert.match(status.message, /service account prod\/deployer/);
    assert.match(status.message, /user\/alice` of this Kubernetes user is disabled/);
  } finally {
    await setDisabled(false);
  }
});

test('nor as any other account: its Deny statements cannot be read, so none is known not to apply', async () => {
  await setDisabled(true);
  try {
    const r = await podCreate('dev', 'default');
    assert.equal(r['allowed'], false, JSON.stringify(r));
    assert.match((r['status'] as { message: string }).message, /is disabled/);
  } finally {
    await setDisabled(false);
  }
});

test('enabled again, alice runs pods as before, and the Deny still refuses deployer; another authenticator’s user is left alone', async () => {
  assert.equal((await podCreate('dev', 'default'))['allowed'], true);
  assert.equal((await podCreate('prod', 'deployer'))['allowed'], false);
  // extra.arn with no facts Gatehouse sealed: another authenticator's user, whose principal Gatehouse does not know.
  const other = await podCreate('prod', 'deployer', { username: 'oidc:carol', groups: ['system:authenticated'], extra: { arn: ['arn:aws:iam::999999999999:user/carol'] } });
  assert.equal(other['allowed'], true, JSON.stringify(other));
});
