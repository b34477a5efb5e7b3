/**
 * Review ou, 5: an IAM Deny of reading a Secret (`kubernetes:get` on `<cluster>/namespaces/prod/secrets/db-password`)
 * refused `kubectl get secret db-password`, but anyone whose RBAC lets them create pods in `prod` read it all the same:
 * a pod (or a Deployment's template) that mounts it as a volume, or takes it into an environment variable
 * (`secretKeyRef`, `envFrom`), was admitted, and its logs or an exec show the value. The SubjectAccessReview of
 * `create pods` does not name the Secret; only admission sees the pod's spec.
 *
 * Contract: Kubernetes' RBAC good practices (kubernetes.io/docs/concepts/security/rbac-good-practices/, "Workload
 * creation": the right to create workloads in a namespace implicitly grants access to the Secrets, ConfigMaps and
 * PersistentVolumes of that namespace that can be mounted in pods); docs/decisions.md "Running a pod
 * as a service account is acting as it" (review ij, 1): admission refuses a pod or a workload's new template whose spec
 * does what an IAM Deny refuses its author, only on an explicit Deny, RBAC's `create pods` staying the grant.
 *
 * What was wrong: src/app/kube.ts admission checked the spec's service account only. Now each Secret the spec hands its
 * containers (a `secret` volume, a projected volume's `secret` source, `env[].valueFrom.secretKeyRef`,
 * `envFrom[].secretRef`, of containers, init and ephemeral containers) is `kubernetes:get` of that Secret for the
 * requesting user's principals: explicitly denied, the pod or template is refused (403, naming the Secret, where it is
 * named and the Deny).
 *
 * Before the fix 3 of 5 tests failed.
 *
 * A real server (startTestServer, SQLite); user alice's token presigned by SDK v3's SignatureV4 and reviewed by the
 * TokenReview webhook; AdmissionReviews in the JSON kube-apiserver sends.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { aliceOnK1, type AliceOnK1 } from './support/kube-session.ts';
import { admissionReviewOf, admit, DEPLOYMENT_KIND, POD_KIND } from './support/admission.ts';

const GROUP = 'rbac.authorization.k8s.io';
let server: TestServer;
let k1: AliceOnK1;

const review = async (kind: { group: string; kind: string; resource: string }, object: Record<string, unknown>): Promise<{ allowed: boolean; message: string }> => {
  const r = await admit(server.url, 'k1', k1.bearer, admissionReviewOf(kind, 'CREATE', object, null, k1.user));
  return { allowed: r['allowed'] === true, message: String((r['status'] as { message?: string } | undefined)?.message ?? '') };
};

const podSpec = (extra: Record<string, unknown>, container: Record<string, unknown> = {}) => ({ containers: [{ name: 'app', image: 'busybox', ...container }], ...extra });
const pod = (ns: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, spec });

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: (cluster) => ({
      'not-db-password': { Version: '2012-10-17', Statement: [{ Sid: 'NoDbPassword', Effect: 'Deny', Action: 'kubernetes:get', Resource: `${cluster}/namespaces/prod/secrets/db-password` }] },
    }),
    group: 'devs',
    rbac: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'devs' }, rules: [{ apiGroups: ['', 'apps'], resources: ['pods', 'deployments', 'secrets'], verbs: ['*'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'devs' }, subjects: [{ kind: 'Group', name: 'devs', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'devs', apiGroup: GROUP } },
    ],
  });
});

after(async () => {
  await server?.stop();
});

test('ou5: reading the Secret is denied by the SubjectAccessReview webhook', async () => {
  const r = await k1.sar({ resourceAttributes: { namespace: 'prod', verb: 'get', version: 'v1', resource: 'secrets', name: 'db-password' } });
  assert.equal(r.denied, true, r.reason);
});

test('ou5: a pod mounting the Secret as a volume, or in a projected volume, is refused, naming it and the Deny', async () => {
  for (const spec of [
    podSpec({ volumes: [{ name: 'creds', secret: { secretName: 'db-password' } }] }),
    podSpec({ volumes: [{ name: 'all', projected: { sources: [{ configMap: { name: 'cfg' } }, { secret: { name: 'db-password' } }] } }] }),
  ]) {
    const r = await review(POD_KIND, pod('prod', 'reader', spec));
    assert.equal(r.allowed, false, JSON.stringify(spec));
    assert.match(r.message, /secret prod\/db-password/, r.message);
    assert.match(r.message, /kubernetes:get on resource: \S+\/namespaces\/prod\/secrets\/db-password with an explicit deny/, r.message);
    assert.match(r.message, /NoDbPassword/, r.message);
  }
});

test('ou5: a pod taking the Secret into its environment (secretKeyRef, envFrom; an init container too) is refused', async () => {
  for (const spec of [
    podSpec({}, { env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: 'db-password', key: 'password' } } }] }),
    podSpec({}, { envFrom: [{ secretRef: { name: 'db-password' } }] }),
    podSpec({ initContainers: [{ name: 'init', image: 'busybox', envFrom: [{ prefix: 'X_', secretRef: { name: 'db-password' } }] }] }),
  ]) {
    const r = await review(POD_KIND, pod('prod', 'env-reader', spec));
    assert.equal(r.allowed, false, JSON.stringify(spec));
    assert.match(r.message, /secret prod\/db-password/, r.message);
  }
});

test('ou5: a Deployment whose pod template mounts the Secret is refused', async () => {
  const d = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'prod' }, spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: podSpec({ volumes: [{ name: 'creds', secret: { secretName: 'db-password' } }] }) } } };
  const r = await review(DEPLOYMENT_KIND, d);
  assert.equal(r.allowed, false);
  assert.match(r.message, /secret prod\/db-password/, r.message);
});

test('ou5: other Secrets, the same Secret in another namespace, and an optional reference by another name are admitted', async () => {
  for (const [ns, spec] of [
    ['prod', podSpec({ volumes: [{ name: 'tls', secret: { secretName: 'web-tls' } }] }, { envFrom: [{ secretRef: { name: 'api-key', optional: true } }] })],
    ['dev', podSpec({ volumes: [{ name: 'creds', secret: { secretName: 'db-password' } }] })],
    ['prod', podSpec({})],
  ] as const) {
    const r = await review(POD_KIND, pod(ns, 'ok', spec));
    assert.equal(r.allowed, true, `${ns} ${JSON.stringify(spec)}: ${r.message}`);
  }
});
