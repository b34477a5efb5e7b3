/**
 * Review ac, finding 4: the admission webhook refused every AdmissionReview of `admission.k8s.io/v1beta1` with a 400,
 * though the TokenReview and SubjectAccessReview webhooks answer v1beta1 as well as v1. kube-apiserver sends v1beta1 to
 * a webhook whose `admissionReviewVersions` lists only it (configurations written before v1, still accepted by
 * admissionregistration/v1): with `failurePolicy: Fail` every pod in its namespaces was refused with a message about
 * the webhook, none about the pod. Now v1beta1 is decided as v1 and answered in v1beta1 (credential-protocols §7: the
 * same apiVersion and kind), uid echoed, the patch base64 with patchType. Real server; AdmissionReviews POSTed to
 * /k8s/{cluster}/admit as kube-apiserver sends them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { reviewedAs, type UserInfo } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let acct = '';
let bearer = '';
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

/** A pod CREATE by `user`, authenticated by a token of its own through the TokenReview. */
async function review(apiVersion: string, uid: string, user: string, name: string): Promise<Record<string, unknown>> {
  const userInfo: UserInfo = await reviewedAs(server, 'k1', bearer, user);
  return {
    apiVersion,
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      name,
      namespace: 'ml',
      operation: 'CREATE',
      userInfo,
      object: { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ml', annotations: { 'gatehouse.dev/role': 'trainer' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      oldObject: null,
      dryRun: false,
    },
  };
}

async function admit(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${server.url}/k8s/k1/admit`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify(body) });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('Cluster', 'k1', {}),
      doc('Role', 'trainer', { trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }] } }),
      doc('User', 'deployer', { inlinePolicies: { pass: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }] } } }),
      doc('User', 'intruder', {}),
      doc('AccessEntry', 'deployer', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/deployer`, kubernetesGroups: ['devs'] }),
      doc('AccessEntry', 'intruder', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/intruder`, kubernetesGroups: ['devs'] }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  bearer = String((await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
});
after(() => server?.stop());

describe('AdmissionReview v1beta1 (review ac, 4)', () => {
  it('a pod naming a role, by a user who may pass it: admitted, answered in v1beta1 with the patch', async () => {
    const r = await admit(await review('admission.k8s.io/v1beta1', 'beta-1', 'deployer', 'p1'));
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual([r.json['apiVersion'], r.json['kind']], ['admission.k8s.io/v1beta1', 'AdmissionReview']);
    const response = r.json['response'] as Record<string, unknown>;
    assert.deepEqual([response['uid'], response['allowed'], response['patchType']], ['beta-1', true, 'JSONPatch']);
    const patch = JSON.parse(Buffer.from(String(response['patch']), 'base64').toString('utf8')) as { op: string; path: string }[];
    assert.ok(patch.some((p) => p.path === '/metadata/annotations/gatehouse.dev~1job'), JSON.stringify(patch));
  });

  it('by a user who may not: refused, in v1beta1, with the reason', async () => {
    const r = await admit(await review('admission.k8s.io/v1beta1', 'beta-2', 'intruder', 'p2'));
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json['apiVersion'], 'admission.k8s.io/v1beta1');
    const response = r.json['response'] as { uid: string; allowed: boolean; status: { code: number; message: string } };
    assert.deepEqual([response.uid, response.allowed, response.status.code], ['beta-2', false, 403]);
    assert.match(response.status.message, /user\/intruder is not allowed to perform iam:PassRole/);
  });

  it('v1 is still answered in v1; another version is a 400', async () => {
    const r = await admit(await review('admission.k8s.io/v1', 'v1-1', 'intruder', 'p3'));
    assert.deepEqual([r.status, r.json['apiVersion']], [200, 'admission.k8s.io/v1']);
    const bad = await admit(await review('admission.k8s.io/v2', 'v2-1', 'intruder', 'p4'));
    assert.deepEqual([bad.status, bad.json['kind']], [400, 'Status']);
  });
});
