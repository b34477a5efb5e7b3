/**
 * Review te, 3: a shell into a pod that runs as a role (`exec`, `attach`) is refused to whoever may not pass the role,
 * with pod admission's checks, the role's trust policy trusting the compute service among them (review ru, 1). When an
 * explicit Deny in that trust policy refused the compute service (a role withdrawn from pods: `Deny sts:AssumeRole` to
 * `compute.gatehouse.dev`), the authorize API answered ImplicitDeny naming no rule, and the SubjectAccessReview
 * webhook's record (review te, 1) said ImplicitDeny too, as for a PassRole only not allowed: the Deny statement that
 * decided was named nowhere. Review sz, 2 names a Deny of the PassRole; a Deny of the trust policy is a rule that
 * decided all the same. Contract: issue 8 ("explicit deny wins", "the deciding rules per engine"); DESIGN.md, "Every
 * decision can explain itself (which policy and statement, binding or rule decided)"; docs/decisions.md, review sz, 2.
 *
 * Now both answer ExplicitDeny naming the trust policy's Deny statement (`matched`, the record's `detail.matched`); the
 * webhook still refuses the shell as `denied`.
 *
 * Real server; alice's token reviewed by the TokenReview webhook; the pod admitted through the AdmissionReview webhook
 * before the trust policy withdrew the role from pods; SubjectAccessReviews as kube-apiserver sends them; the
 * authorize API asked by the root admin over SigV4.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { auditRecords, startTestServer, type TestServer } from './support/server.ts';
import { aliceOnK1, type AliceOnK1 } from './support/kube-session.ts';
import { admit, podCreate } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;
let k1: AliceOnK1;
const GROUP = 'rbac.authorization.k8s.io';
const PASS = { Sid: 'Pass', Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' };
const TRUST = { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'compute.gatehouse.dev' } };
const NO_PODS = { Sid: 'NoPods', Effect: 'Deny', Action: 'sts:AssumeRole', Principal: { Service: 'compute.gatehouse.dev' } };

async function setTrainer(...Statement: object[]): Promise<void> {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'Trainer' }, spec: { trustPolicy: { Version: '2012-10-17', Statement } } }] });
  assert.equal(r.status, 200, JSON.stringify(r.json));
}

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: () => ({ pass: { Version: '2012-10-17', Statement: [PASS] } }),
    group: 'scientists',
    rbac: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'scientist' }, rules: [{ apiGroups: [''], resources: ['pods', 'pods/exec', 'pods/attach'], verbs: ['get', 'create'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'scientist' }, subjects: [{ kind: 'Group', name: 'scientists', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'scientist', apiGroup: GROUP } },
    ],
  });
  await setTrainer(TRUST);
  const made = await admit(server.url, 'k1', k1.bearer, podCreate('', '', 'train', 'Trainer', k1.user, 'kubeflow'));
  assert.equal(made['allowed'], true, JSON.stringify(made));
});

after(async () => {
  await server?.stop();
});

test('a Deny of the compute service in the role\'s trust policy: the API and the webhook\'s record name it, ExplicitDeny', async () => {
  await setTrainer(TRUST, NO_PODS);
  const resource = `${k1.cluster}/namespaces/kubeflow/pods/train/exec`;
  const w = await k1.sar({ resourceAttributes: { verb: 'create', version: 'v1', resource: 'pods', namespace: 'kubeflow', name: 'train', subresource: 'exec' } });
  assert.deepEqual([w.allowed, w.denied], [false, true]);
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${server.adminFile.AccountId}:user/alice`, action: 'kubernetes:create', resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const api = r.json as { decision: string; matched: Record<string, unknown>[] };
  const denies = api.matched.filter((m) => m['effect'] === 'Deny');
  assert.equal(api.decision, 'ExplicitDeny', JSON.stringify(api));
  assert.deepEqual(denies.map((m) => [m['type'], m['sid']]), [['trust', 'NoPods']], JSON.stringify(api));
  const [record] = (await auditRecords(server, { action: 'kubernetes:create' })).filter((x) => x.resource === resource);
  assert.equal(record?.decision, 'ExplicitDeny', JSON.stringify(record));
  assert.deepEqual(record?.detail['matched'], denies, JSON.stringify(record));
});

test('as before: the trust policy trusting the service again, exec is allowed by both', async () => {
  await setTrainer(TRUST);
  const w = await k1.sar({ resourceAttributes: { verb: 'create', version: 'v1', resource: 'pods', namespace: 'kubeflow', name: 'train', subresource: 'exec' } });
  assert.deepEqual([w.allowed, w.denied], [true, false]);
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${server.adminFile.AccountId}:user/alice`, action: 'kubernetes:create', resource: `${k1.cluster}/namespaces/kubeflow/pods/train/exec` });
  assert.equal(r.json['decision'], 'Allow', JSON.stringify(r.json));
});
