/**
 * Review py, 1: escalation-paths missed the cluster webhook token as a way to act as a role. The token
 * (`training:GetClusterWebhookConfig`, `training:RotateClusterWebhookToken`: `POST /v1/clusters/C/webhook-config`) is
 * what kube-apiserver authenticates to Gatehouse's webhooks with, and the key workload role grants are signed under is
 * derived from it (docs/decisions.md, "Workloads carry a signed grant for their controllers' pods": "an HMAC (key
 * derived from the cluster's webhook token) over the author's ARN, the role and the namespace"; "The built-in
 * read-only policies read no webhook token", review ln, 1). Whoever reads it may sign a grant naming any user or role
 * of the account as the author, and send the AdmissionReview of a pod kube-controller-manager's job-controller makes
 * from a Job: the pod is admitted on that author's authority and runs as the role (src/app/kube.ts `passerOf`,
 * `passerIdentity`: "a grant's passer is Gatehouse's own signed word"). A user allowed only to read one cluster's
 * webhook config was answered "acts as no other principal", while an administrator of the account may pass a role
 * that trusts the compute service. Now the step is listed (`iam:PassRole to a pod` through the cluster, its one action
 * the token's read, its reasons naming the principal whose authority the grant borrows), only where some enabled
 * principal of the account may pass the role to the compute service and the role trusts it; and it is taken for real:
 * the user reads the token with its own key, signs the grant, and the pod is admitted as the role, passed by the
 * author named (and by any other who may pass it); a role trusting only the training service is refused.
 *
 * Review qc, 1 closed the route: the grant key is now a MAC under the master key of the cluster and its token, so a
 * grant signed with the token alone does not verify. The tests now check that the step is gone and that the grant the
 * reader signs is refused (the pod runs as no role, whoever the grant names as author).
 *
 * Before the fix 1 of 3 tests failed. Real server (SQLite), the webhook-config API with the user's own key,
 * AdmissionReview over HTTP.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { admitObject } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const PODDER = `arn:aws:iam::${A}:role/podder`;
const JOB_ONLY = `arn:aws:iam::${A}:role/job-only`;
const CLUSTER = `arn:aws:training::${A}:cluster/k1`;
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const TRUST_COMPUTE = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'compute.gatehouse.dev' } }] };
const JSON_POLICY = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const POD = { group: '', version: 'v1', kind: 'Pod', resource: 'pods' };
const JOB_CONTROLLER = { username: 'system:serviceaccount:kube-system:job-controller', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'], extra: {} };
const jobPod = (role: string, grant: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'forged-x1', namespace: 'ml', annotations: { 'gatehouse.dev/role': role, 'gatehouse.dev/role-grant': grant }, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'forged', uid: '6f1d0000-0000-4000-8000-000000000009', controller: true, blockOwnerDeletion: true }] },
  spec: { containers: [{ name: 'c', image: 'trainer' }], restartPolicy: 'Never' },
});
/** A grant as the webhook signs one: its key derived from the webhook token. */
const forge = (token: string, g: Record<string, string>): string => {
  const key = createHmac('sha256', token).update('gatehouse.dev/role-grant').digest();
  const payload = Buffer.from(JSON.stringify(g), 'utf8').toString('base64url');
  return `v1.${payload}.${createHmac('sha256', key).update(payload).digest('base64url')}`;
};

interface Step {
  readonly how: string;
  readonly to: string;
  readonly via?: string;
  readonly actions: readonly string[];
  readonly reasons: readonly string[];
}

describe('review py1: reading a cluster\'s webhook token is no longer a way to act as a role someone may pass (review qc, 1)', () => {
  let s: TestServer;
  let reader: Credentials;
  let nobody: Credentials;
  before(async () => {
    s = await startTestServer();
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      documents: [
        doc('Cluster', 'k1', {}),
        doc('Role', 'podder', { trustPolicy: TRUST_COMPUTE, inlinePolicies: { data: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::py1-data/*' }] } } }),
        // Trusts the training service, not the compute service pods run under: no path through a pod.
        doc('Role', 'job-only', { trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'training.gatehouse.dev' } }] } }),
        doc('User', 'ops', { inlinePolicies: { pass: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: PODDER }] } } }),
      ],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    reader = await userWithPolicy(s, 'reader', JSON_POLICY({ Effect: 'Allow', Action: 'training:GetClusterWebhookConfig', Resource: CLUSTER }));
    nobody = await userWithPolicy(s, 'nobody', JSON_POLICY({ Effect: 'Allow', Action: 'training:GetCluster', Resource: CLUSTER }));
  });
  after(() => s?.stop());

  const pathsOf = async (name: string): Promise<Map<string, readonly Step[]>> => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: user(name) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const reports = r.json['reports'] as { canBecome: { principal: string; path: Step[] }[] }[];
    return new Map((reports[0]?.canBecome ?? []).map((b) => [b.principal, b.path]));
  };

  it('a user who may read the webhook token is not reported acting as a role others may pass (review qc, 1)', async () => {
    const paths = await pathsOf('reader');
    assert.equal(paths.has(PODDER), false, JSON.stringify([...paths.entries()]));
    assert.equal(paths.has(JOB_ONLY), false, 'job-only trusts no pod');
  });

  it('the path is not real: the grant reader signs with the token it reads naming an author is refused (review qc, 1)', async () => {
    const config = await gatehouseJson(s.url, reader, 'POST', '/v1/clusters/k1/webhook-config', {});
    assert.equal(config.status, 200, JSON.stringify(config.json));
    const token = String(config.json['token']);
    for (const p of [user('admin'), user('ops')]) {
      const pod = await admitObject(s.url, 'k1', token, 'ml', POD, JOB_CONTROLLER, jobPod('podder', forge(token, { p, r: PODDER, ns: 'ml', k: 'batch/Job' })));
      assert.equal(pod.allowed, false, `admitted as ${pod.audit['role']}, passed by ${pod.audit['passed-by']}`);
      assert.equal(pod.audit['passed-by'], undefined);
      assert.match(pod.message, /grant does not verify/);
    }
  });

  it('a user who may not read the token has no such path, and the webhook-config API refuses it', async () => {
    const paths = await pathsOf('nobody');
    assert.equal(paths.has(PODDER), false);
    const config = await gatehouseJson(s.url, nobody, 'POST', '/v1/clusters/k1/webhook-config', {});
    assert.equal(config.status, 403, JSON.stringify(config.json));
  });
});
