/**
 * Review ij, 4: `kubectl debug` ran new code in a pod past the checks that changing its containers meets. An ephemeral
 * container (`kubectl debug -it pod/p --image=busybox --target=main`) is added by an UPDATE of the pod's
 * `ephemeralcontainers` subresource; it shares the pod's network and, with `--target`, its processes (their
 * environment, the pod's credential variables), and may mount its volumes (the service account's token). Changing a
 * pod's containers needs iam:PassRole of the role it runs as (review I, S2), and since review ij, 1 is refused to a user
 * denied impersonating its service account; but the webhook's rules named `pods` only, and the webhook answered
 * `allowed` to anything but the pod itself, so the subresource was never checked. The MutatingWebhookConfiguration
 * `webhook-config` writes now names `pods/ephemeralcontainers`, and its UPDATE is decided as a change of the pod's
 * containers.
 *
 * Before the fix 3 of 4 tests failed.
 *
 * Real server; alice's token presigned by SDK v3's SignatureV4 and reviewed by the TokenReview webhook; AdmissionReviews
 * as kube-apiserver sends them (for the subresource: the whole Pod, `subResource: ephemeralcontainers`).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { aliceOnK1, type AliceOnK1 } from './support/kube-session.ts';
import { admit } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { webhookFiles } from '../src/adapters/cli/commands/kube.ts';

let server: TestServer;
let k1: AliceOnK1;
let uid = 0;
const GROUP = 'rbac.authorization.k8s.io';

const pod = (namespace: string, name: string, opts: { serviceAccountName?: string; annotations?: Record<string, string>; debug?: boolean } = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, ...(opts.annotations !== undefined ? { annotations: opts.annotations } : {}) },
  spec: {
    ...(opts.serviceAccountName !== undefined ? { serviceAccountName: opts.serviceAccountName } : {}),
    containers: [{ name: 'main', image: 'trainer:v1' }],
    ...(opts.debug === true ? { ephemeralContainers: [{ name: 'debugger', image: 'busybox', stdin: true, tty: true, targetContainerName: 'main' }] } : {}),
  },
});

async function review(operation: 'CREATE' | 'UPDATE', subResource: string, object: Record<string, unknown>, oldObject: Record<string, unknown> | null = null) {
  const meta = object['metadata'] as { name: string; namespace: string };
  const kind = { group: '', version: 'v1', kind: 'Pod' };
  return admit(server.url, 'k1', k1.bearer, {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `00000000-0000-4000-8000-${String(++uid).padStart(12, '0')}`,
      kind,
      resource: { group: '', version: 'v1', resource: 'pods' },
      ...(subResource !== '' ? { subResource } : {}),
      requestKind: kind,
      requestResource: { group: '', version: 'v1', resource: 'pods' },
      ...(subResource !== '' ? { requestSubResource: subResource } : {}),
      name: meta.name,
      namespace: meta.namespace,
      operation,
      userInfo: k1.user,
      object,
      oldObject,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: operation === 'CREATE' ? 'CreateOptions' : 'UpdateOptions' },
    },
  });
}

const policies = (cluster: string, passRole: 'Allow' | 'Deny') => ({
  pass: { Version: '2012-10-17', Statement: [{ Effect: passRole, Action: 'iam:PassRole', Resource: '*' }] },
  'not-deployer': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:impersonate', Resource: `${cluster}/namespaces/prod/serviceaccounts/deployer` }] },
});

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: (cluster) => policies(cluster, 'Allow'),
    group: 'devs',
    rbac: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'devs' }, rules: [{ apiGroups: [''], resources: ['pods', 'pods/ephemeralcontainers'], verbs: ['*'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'devs' }, subjects: [{ kind: 'Group', name: 'devs', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'devs', apiGroup: GROUP } },
    ],
  });
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'Trainer' }, spec: { trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'compute.gatehouse.dev' } }] } } }],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
});

after(async () => {
  await server?.stop();
});

test('kubectl debug on a pod running as a service account alice is denied impersonating is refused', async () => {
  const r = await review('UPDATE', 'ephemeralcontainers', pod('prod', 'x', { serviceAccountName: 'deployer', debug: true }), pod('prod', 'x', { serviceAccountName: 'deployer' }));
  assert.equal(r['allowed'], false, JSON.stringify(r));
  assert.match((r['status'] as { message: string }).message, /pod prod\/x runs as service account prod\/deployer.*kubernetes:impersonate/);
});

test('kubectl debug on a pod running as a role needs iam:PassRole of it, as changing its image does', async () => {
  const made = await review('CREATE', '', pod('ml', 'train', { annotations: { 'gatehouse.dev/role': 'Trainer' } }));
  assert.equal(made['allowed'], true, JSON.stringify(made));
  const job = (made['auditAnnotations'] as Record<string, string>)['job'] ?? assert.fail('no job');
  const running = { 'gatehouse.dev/role': 'Trainer', 'gatehouse.dev/job': job };
  // Alice may no longer pass the role.
  const denied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name: 'alice' }, spec: { inlinePolicies: policies(k1.cluster, 'Deny') } }] });
  assert.equal(denied.status, 200, JSON.stringify(denied.json));
  const image = await review('UPDATE', '', { ...pod('ml', 'train', { annotations: running }), spec: { containers: [{ name: 'main', image: 'evil' }] } }, pod('ml', 'train', { annotations: running }));
  assert.equal(image['allowed'], false, JSON.stringify(image));
  const debug = await review('UPDATE', 'ephemeralcontainers', pod('ml', 'train', { annotations: running, debug: true }), pod('ml', 'train', { annotations: running }));
  assert.equal(debug['allowed'], false, JSON.stringify(debug));
  assert.match((debug['status'] as { message: string }).message, /user\/alice is not allowed to perform iam:PassRole on arn:aws:iam::\d{12}:role\/Trainer/);
});

test("the webhook-config files' MutatingWebhookConfiguration sends ephemeral containers to the webhook", () => {
  const files = webhookFiles({ base: new URL('https://gatehouse.example:8443'), cluster: 'k1', token: 't', dir: '/etc/gatehouse' });
  assert.match(files['mutating-webhook.yaml'] ?? '', /- pods\/ephemeralcontainers/);
});

test('kubectl debug on a pod with no role, running as an account no Deny reaches, is admitted', async () => {
  const r = await review('UPDATE', 'ephemeralcontainers', pod('dev', 'y', { serviceAccountName: 'deployer', debug: true }), pod('dev', 'y', { serviceAccountName: 'deployer' }));
  assert.equal(r['allowed'], true, JSON.stringify(r));
});
