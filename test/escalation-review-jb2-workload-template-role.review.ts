/**
 * Review jb, 2: escalation-paths reached a role through a pod only where the cluster's RBAC let the principal create
 * pods (`kubernetes:create` on `…/namespaces/NS/pods`). But admission gives a workload's pod template a grant on its
 * author's authority (PassRole asked as for a pod), and the pods kube-controller-manager then makes from it (a Job's,
 * a Deployment's ReplicaSet's) run as the role the template names. A user whose RBAC lets it create Jobs in a
 * namespace and not pods — the usual "submit training Jobs" Role — and who may pass a role that trusts the compute
 * service was answered "acts as no other principal", and who-can's `through` of that role left it out: a way to act
 * as the role missed. The workload kinds whose controllers run pods on a template's grant are now asked too (the
 * built-in ones, and the training operators' kinds where the cluster trusts a controller), and the step says which
 * (`create jobs.batch in namespace ml`). The path is then taken for real through the admission webhook: the user's
 * Job gets a grant, and job-controller's pod from it runs as the role on the user's authority; without the RBAC or
 * without PassRole there is no path, and the webhook or RBAC refuses. Before the fix 2 of 3 tests failed. Real server
 * (SQLite), SubjectAccessReview's union through the authorize API, TokenReview and AdmissionReview over HTTP.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { admitObject, reviewedAs } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const PODDER = `arn:aws:iam::${A}:role/podder`;
const CLUSTER = `arn:aws:training::${A}:cluster/k1`;
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const PASS = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: PODDER }] };
const JOB = { group: 'batch', version: 'v1', kind: 'Job', resource: 'jobs' };
const POD = { group: '', version: 'v1', kind: 'Pod', resource: 'pods' };
const JOB_CONTROLLER = { username: 'system:serviceaccount:kube-system:job-controller', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'], extra: {} };
const job = (name: string) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: 'ml' }, spec: { template: { metadata: { annotations: { 'gatehouse.dev/role': 'podder' } }, spec: { containers: [{ name: 'c', image: 'trainer' }], restartPolicy: 'Never' } } } });
const jobPod = (jobName: string, grant: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: `${jobName}-x1`, namespace: 'ml', annotations: { 'gatehouse.dev/role': 'podder', 'gatehouse.dev/role-grant': grant }, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: jobName, uid: '6f1d0000-0000-4000-8000-000000000002', controller: true, blockOwnerDeletion: true }] },
  spec: { containers: [{ name: 'c', image: 'trainer' }], restartPolicy: 'Never' },
});

interface Step {
  readonly how: string;
  readonly to: string;
  readonly via?: string;
  readonly reasons: readonly string[];
}

describe('review jb2: a Job (or other workload) whose pod template names the role is a way to act as it', () => {
  let s: TestServer;
  let bearer = '';
  before(async () => {
    s = await startTestServer();
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      documents: [
        doc('Cluster', 'k1', {}),
        doc('Role', 'podder', { trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'compute.gatehouse.dev' } }] }, inlinePolicies: { data: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::jb2-data/*' }] } } }),
        // dev: submits Jobs (RBAC) and may pass podder; viewer: may pass podder, no Kubernetes rights; nopass: submits Jobs only.
        doc('User', 'dev', { inlinePolicies: { pass: PASS } }),
        doc('User', 'viewer', { inlinePolicies: { pass: PASS } }),
        doc('User', 'nopass', {}),
        doc('AccessEntry', 'dev', { cluster: 'k1', principalArn: user('dev'), kubernetesGroups: ['job-submitters'] }),
        doc('AccessEntry', 'viewer', { cluster: 'k1', principalArn: user('viewer'), kubernetesGroups: [] }),
        doc('AccessEntry', 'nopass', { cluster: 'k1', principalArn: user('nopass'), kubernetesGroups: ['job-submitters'] }),
      ],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    const rbac = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      cluster: 'k1',
      documents: [
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'job-submitter', namespace: 'ml' }, rules: [{ apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'get', 'list'] }] },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'job-submitters', namespace: 'ml' }, subjects: [{ kind: 'Group', name: 'job-submitters', apiGroup: 'rbac.authorization.k8s.io' }], roleRef: { kind: 'Role', name: 'job-submitter', apiGroup: 'rbac.authorization.k8s.io' } },
      ],
    });
    assert.equal(rbac.status, 200, JSON.stringify(rbac.json));
    const config = await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/k1/webhook-config', {});
    assert.equal(config.status, 200, JSON.stringify(config.json));
    bearer = String(config.json['token']);
  });
  after(() => s?.stop());

  const pathTo = async (name: string): Promise<readonly Step[] | undefined> => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: user(name) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const reports = r.json['reports'] as { canBecome: { principal: string; path: Step[] }[] }[];
    return reports[0]?.canBecome.find((b) => b.principal === PODDER)?.path;
  };
  const decide = async (name: string, resource: string): Promise<string> =>
    String((await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: user(name), action: 'kubernetes:create', resource: `${CLUSTER}/namespaces/ml/${resource}` })).json['decision']);

  it('a user whose RBAC lets it create Jobs, not pods, and who may pass the role is reported acting as it, the Job named', async () => {
    assert.equal(await decide('dev', 'pods'), 'ImplicitDeny');
    assert.equal(await decide('dev', 'jobs.batch'), 'Allow');
    const path = await pathTo('dev');
    assert.ok(path, 'dev reaches podder');
    assert.deepEqual(path.map((st) => [st.how, st.to, st.via]), [['iam:PassRole to a pod', PODDER, CLUSTER]]);
    assert.ok(path[0]?.reasons.some((r) => /create jobs\.batch in namespace ml of cluster k1/.test(r)), JSON.stringify(path));
    // who-can's `through` of the role follows the same search.
    const w = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', { action: 's3:GetObject', resource: 'arn:aws:s3:::jb2-data/x' });
    assert.equal(w.status, 200, JSON.stringify(w.json));
    const podder = (w.json['allowed'] as { principal: string; through?: { principal: string }[] }[]).find((r) => r.principal === PODDER);
    assert.ok(podder?.through?.some((t) => t.principal === user('dev')), JSON.stringify(podder));
  });

  it('the path is real: the webhook grants dev\'s Job, and job-controller\'s pod from it runs as the role on dev\'s authority', async () => {
    const admitted = await admitObject(s.url, 'k1', bearer, 'ml', JOB, await reviewedAs(s, 'k1', bearer, 'dev'), job('train'));
    assert.equal(admitted.allowed, true, admitted.message);
    const grant = admitted.patch.find((p) => p.path.endsWith('gatehouse.dev~1role-grant'))?.value;
    assert.equal(typeof grant, 'string');
    const pod = await admitObject(s.url, 'k1', bearer, 'ml', POD, JOB_CONTROLLER, jobPod('train', grant as string));
    assert.equal(pod.allowed, true, pod.message);
    assert.equal(pod.audit['role'], PODDER);
    assert.equal(pod.audit['passed-by'], user('dev'));
  });

  it('no path without the RBAC or without PassRole; RBAC and the webhook refuse them', async () => {
    assert.equal(await pathTo('viewer'), undefined);
    assert.equal(await decide('viewer', 'jobs.batch'), 'ImplicitDeny');
    assert.equal(await pathTo('nopass'), undefined);
    const refused = await admitObject(s.url, 'k1', bearer, 'ml', JOB, await reviewedAs(s, 'k1', bearer, 'nopass'), job('train2'));
    assert.equal(refused.allowed, false);
    assert.match(refused.message, /iam:PassRole/);
  });
});
