/**
 * Review qc, 1: the key workload role grants are signed under (`gatehouse.dev/role-grant`, src/app/kube.ts `signGrant`,
 * `openGrant`) was HMAC(webhook token, 'gatehouse.dev/role-grant'): derived from the cluster's webhook bearer token
 * alone. That token is held by kube-apiserver's webhook configuration and whoever reads that kubeconfig or may call
 * `training:GetClusterWebhookConfig`; with it one signed a grant naming any author, role and namespace and, posing as
 * kube-apiserver, had the job-controller's pod admitted as a role nobody passed (its credentials in the patch). Now the
 * grant key is a MAC under a key derived from the master key (SecretSealer `mac`, HKDF-SHA256 with its own info) over
 * the cluster and its token: only Gatehouse signs grants, and a new webhook token still voids the old ones.
 *
 * Checks: a grant forged with the webhook token alone is refused (and the refusal says the grant does not verify); a
 * grant the webhook signed still serves the job-controller's pod; a new token voids it, the refusal now saying the
 * grant does not verify (before, that the controller "carries no IAM identity sealed by Gatehouse's TokenReview");
 * escalation-paths no longer lists reading the webhook token as a way to a role (review py, 1 listed it while the
 * route existed).
 *
 * Before the fix 3 of 4 tests failed. Real server (SQLite), TokenReview and AdmissionReview over HTTP.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { admitObject, reviewedAs, type ObjectKind } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, userWithPolicy, type TestServer } from './support/server.ts';

type Json = Record<string, unknown>;
const NS = 'ml';
const POD: ObjectKind = { group: '', version: 'v1', kind: 'Pod', resource: 'pods' };
const JOB: ObjectKind = { group: 'batch', version: 'v1', kind: 'Job', resource: 'jobs' };
const JOB_CONTROLLER = { username: 'system:serviceaccount:kube-system:job-controller', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'], extra: {} };
const doc = (kind: string, name: string, spec: Json) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const TRUST_COMPUTE = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'compute.gatehouse.dev' } }] };

/** A grant signed as this server signed them before the fix: its key HMAC(webhook token, 'gatehouse.dev/role-grant'). */
const forge = (token: string, g: Record<string, string>): string => {
  const key = createHmac('sha256', token).update('gatehouse.dev/role-grant').digest();
  const payload = Buffer.from(JSON.stringify(g), 'utf8').toString('base64url');
  return `v1.${payload}.${createHmac('sha256', key).update(payload).digest('base64url')}`;
};
/** The pod job-controller makes from Job `forged`'s template carrying `grant`. */
const jobPod = (grant: string): Json => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { generateName: 'train-', namespace: NS, annotations: { 'gatehouse.dev/role': 'Trainer', 'gatehouse.dev/role-grant': grant }, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'train', uid: '6f1d0000-0000-4000-8000-0000000000c1', controller: true, blockOwnerDeletion: true }] },
  spec: { containers: [{ name: 'c', image: 'trainer' }], restartPolicy: 'Never' },
});

describe('review qc1: a workload grant cannot be signed with the webhook token alone', () => {
  let s: TestServer;
  let acct = '';
  let bearer = '';
  let real = '';
  const arn = (kind: string, name: string) => `arn:aws:iam::${acct}:${kind}/${name}`;

  before(async () => {
    s = await startTestServer();
    acct = s.adminFile.AccountId;
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      documents: [
        doc('Cluster', 'k1', {}),
        doc('Role', 'Trainer', { trustPolicy: TRUST_COMPUTE }),
        doc('User', 'scientist', { inlinePolicies: { pass: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }] } } }),
        doc('AccessEntry', 'scientist', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/scientist`, kubernetesGroups: ['devs'] }),
      ],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    const config = await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/k1/webhook-config', {});
    assert.equal(config.status, 200, JSON.stringify(config.json));
    bearer = String(config.json['token']);
    // The scientist's Job: the webhook signs its template's grant.
    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'train', namespace: NS }, spec: { template: { metadata: { annotations: { 'gatehouse.dev/role': 'Trainer' } }, spec: { containers: [{ name: 'c', image: 'trainer' }], restartPolicy: 'Never' } } } };
    const r = await admitObject(s.url, 'k1', bearer, NS, JOB, await reviewedAs(s, 'k1', bearer, 'scientist'), job);
    assert.equal(r.allowed, true, r.message);
    real = String(r.patch.find((p) => p.path.endsWith('role-grant'))?.value ?? '');
    assert.match(real, /^v1\./);
  });
  after(() => s?.stop());

  it('a grant forged with the webhook token is refused: the pod gets no role, and the refusal says why', async () => {
    // Both forms: a grant naming its kind, and one as grants were before they named it.
    for (const g of [{ p: arn('user', 'scientist'), r: arn('role', 'Trainer'), ns: NS, k: 'batch/Job' }, { p: arn('user', 'scientist'), r: arn('role', 'Trainer'), ns: NS }]) {
      const pod = await admitObject(s.url, 'k1', bearer, NS, POD, JOB_CONTROLLER, jobPod(forge(bearer, g)));
      assert.equal(pod.allowed, false, `admitted as ${pod.audit['role']}, passed by ${pod.audit['passed-by']}`);
      assert.equal(pod.audit['passed-by'], undefined);
      assert.equal(pod.patch.length, 0);
      assert.match(pod.message, /grant does not verify/);
    }
  });

  it('the grant the webhook signed still serves the job-controller’s pod', async () => {
    const pod = await admitObject(s.url, 'k1', bearer, NS, POD, JOB_CONTROLLER, jobPod(real));
    assert.equal(pod.allowed, true, pod.message);
    assert.equal(pod.audit['role'], arn('role', 'Trainer'));
    assert.equal(pod.audit['passed-by'], arn('user', 'scientist'));
  });

  it('escalation-paths lists no way to a role through reading the webhook token', async () => {
    await userWithPolicy(s, 'reader', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'training:GetClusterWebhookConfig', Resource: `arn:aws:training::${acct}:cluster/k1` }] }));
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: arn('user', 'reader') });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const reports = r.json['reports'] as { canBecome: { principal: string }[] }[];
    assert.deepEqual((reports[0]?.canBecome ?? []).map((b) => b.principal), []);
  });

  it('a new webhook token voids the grants signed before it', async () => {
    const rotated = await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/k1/webhook-config', { rotate: true });
    assert.equal(rotated.status, 200, JSON.stringify(rotated.json));
    const fresh = String(rotated.json['token']);
    assert.notEqual(fresh, bearer);
    const pod = await admitObject(s.url, 'k1', fresh, NS, POD, JOB_CONTROLLER, jobPod(real));
    assert.equal(pod.allowed, false, pod.message);
    assert.equal(pod.patch.length, 0);
    assert.match(pod.message, /grant does not verify/);
  });
});
