/**
 * Review as, 1: the pods of an AI training cluster's operators were refused. A pod naming a role ran on its workload's
 * grant only when kube-system's controllers created it; the Kubeflow training-operator
 * (`system:serviceaccount:kubeflow:training-operator`), KubeRay, JobSet, Volcano… were told "maps to no IAM principal",
 * and their workloads (PyTorchJob…) were not even read, so they never got a grant. Now the Cluster document lists
 * `spec.trustedControllers`, the webhook reads the training workloads' templates and signs their grants with the
 * workload's kind, and a trusted controller's pod runs on a grant made on the kind that owns it.
 *
 * Checked: a PyTorchJob by a user who may pass the role gets a grant in each replica template; the training-operator's
 * pod from it is admitted on the user's authority, once the cluster trusts it (refused before, and refused for an
 * operator not listed); a PyTorchJob by a user without PassRole is refused, and a grant copied from another workload
 * (a Deployment's) onto a template the webhook never saw is not taken by the trusted operator; a forged grant neither.
 * `trustedControllers` is validated with the item's path, and changes nothing when refused.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { reviewedAs, admitObject, type JsonPatch, type ObjectKind } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

type Json = Record<string, unknown>;
type Patch = JsonPatch;

let server: TestServer;
let acct = '';
let bearer = '';
const NS = 'ml';
const OPERATOR = 'system:serviceaccount:kubeflow:training-operator';
const doc = (kind: string, name: string, spec: Json) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const userArn = (name: string) => `arn:aws:iam::${acct}:user/${name}`;
/** The IAM user `name` as kube-apiserver hands it to admission: the TokenReview of a token of its own. */
const asUser = (name: string) => reviewedAs(server, 'k1', bearer, name);
const asServiceAccount = (sa: string) => ({ username: sa, groups: ['system:serviceaccounts', 'system:authenticated'], extra: {} });

const admit = (kind: ObjectKind, user: unknown, object: Json, operation = 'CREATE', oldObject: Json | null = null) => admitObject(server.url, 'k1', bearer, NS, kind, user, object, { operation, oldObject });

const PYTORCHJOB = { group: 'kubeflow.org', version: 'v1', kind: 'PyTorchJob', resource: 'pytorchjobs' };
const DEPLOYMENT = { group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments' };
const POD = { group: '', version: 'v1', kind: 'Pod', resource: 'pods' };

const template = (annotations: Record<string, string>) => ({ metadata: { annotations }, spec: { containers: [{ name: 'pytorch', image: 'trainer:v1' }] } });
const pytorchJob = (name: string, annotations: Record<string, string> = { 'gatehouse.dev/role': 'Trainer' }): Json => ({
  apiVersion: 'kubeflow.org/v1',
  kind: 'PyTorchJob',
  metadata: { name, namespace: NS },
  spec: { pytorchReplicaSpecs: { Master: { replicas: 1, template: template(annotations) }, Worker: { replicas: 2, template: template(annotations) } } },
});
/** The pod training-operator makes from a replica template, owned by the PyTorchJob. */
const operatorPod = (job: string, annotations: Record<string, string>, owner = { apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob' }): Json => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: `${job}-worker-0`, namespace: NS, annotations, ownerReferences: [{ ...owner, name: job, uid: '6f1d0000-0000-0000-0000-000000000001', controller: true, blockOwnerDeletion: true }] },
  spec: { containers: [{ name: 'pytorch', image: 'trainer:v1' }] },
});

function applyPatch(doc: Json, patch: Patch): Json {
  const out = structuredClone(doc);
  for (const op of patch) {
    const keys = op.path.split('/').slice(1).map((k) => k.replaceAll('~1', '/').replaceAll('~0', '~'));
    const last = keys.pop() as string;
    let parent: unknown = out;
    for (const k of keys) parent = (parent as Json)[k];
    if (op.op === 'remove') delete (parent as Json)[last];
    else (parent as Json)[last] = op.value;
  }
  return out;
}
const grantAt = (o: Json, replica: string): string => {
  const t = ((((o['spec'] as Json)['pytorchReplicaSpecs'] as Json)[replica] as Json)['template'] as Json)['metadata'] as { annotations: Record<string, string> };
  return t.annotations['gatehouse.dev/role-grant'] as string;
};

async function applyCluster(spec: Json): Promise<{ status: number; json: Json }> {
  return gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [doc('Cluster', 'k1', spec)] });
}

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  const passAll = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }] };
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('Cluster', 'k1', {}),
      doc('Role', 'Trainer', { trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'compute.gatehouse.dev' } }] } }),
      doc('User', 'scientist', { inlinePolicies: { pass: passAll } }),
      doc('User', 'intern', {}),
      doc('AccessEntry', 'scientist', { cluster: 'k1', principalArn: userArn('scientist'), kubernetesGroups: ['devs'] }),
      doc('AccessEntry', 'intern', { cluster: 'k1', principalArn: userArn('intern'), kubernetesGroups: ['devs'] }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const config = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {});
  assert.equal(config.status, 200, JSON.stringify(config.json));
  bearer = String(config.json['token']);
});
after(() => server?.stop());

describe('pods of a trusted training operator run on the grant of their workload (review as, 1)', () => {
  let job: Json = {};

  it('a PyTorchJob by a user who may pass the role gets a grant in each replica template; one by a user who may not is refused', async () => {
    const r = await admit(PYTORCHJOB, await asUser('scientist'), pytorchJob('bert'));
    assert.equal(r.allowed, true, r.message);
    assert.deepEqual(
      r.patch.map((p) => p.path),
      ['/spec/pytorchReplicaSpecs/Master/template/metadata/annotations/gatehouse.dev~1role-grant', '/spec/pytorchReplicaSpecs/Worker/template/metadata/annotations/gatehouse.dev~1role-grant'],
    );
    assert.equal(r.audit['passed-by'], userArn('scientist'));
    job = applyPatch(pytorchJob('bert'), r.patch);
    const intern = await admit(PYTORCHJOB, await asUser('intern'), pytorchJob('bert2'));
    assert.equal(intern.allowed, false);
    assert.match(intern.message, /user\/intern is not allowed to perform iam:PassRole on arn:aws:iam::\d+:role\/Trainer/);
  });

  it('before the cluster trusts training-operator, its pod is refused', async () => {
    const pod = operatorPod('bert', { 'gatehouse.dev/role': 'Trainer', 'gatehouse.dev/role-grant': grantAt(job, 'Worker') });
    const r = await admit(POD, asServiceAccount(OPERATOR), pod);
    assert.equal(r.allowed, false);
    assert.match(r.message, /Kubernetes user `system:serviceaccount:kubeflow:training-operator` maps to no IAM principal/);
  });

  it('`spec.trustedControllers` is validated, with the path of the bad item, and changes nothing', async () => {
    for (const [spec, path, message] of [
      [{ trustedControllers: 'kubeflow:training-operator' }, 'spec.trustedControllers', /is a list of/],
      [{ trustedControllers: [{ serviceAccount: 'kubeflow/training-operator' }] }, 'spec.trustedControllers[0].serviceAccount', /NAMESPACE:NAME/],
      [{ trustedControllers: [{ serviceAccount: 'kubeflow:training-operator', username: 'x' }] }, 'spec.trustedControllers[0]', /exactly one/],
      [{ trustedControllers: [{ serviceAccount: 'kubeflow:training-operator' }, { username: OPERATOR }] }, 'spec.trustedControllers[1].username', /serviceAccount: "kubeflow:training-operator"/],
      [{ trustedControllers: [{ username: 'system:anonymous' }] }, 'spec.trustedControllers[0].username', /cannot be a trusted controller/],
      [{ trustedControllers: [{ username: 'ray-operator' }, { username: 'ray-operator' }] }, 'spec.trustedControllers[1]', /listed twice/],
    ] as const) {
      const r = await applyCluster(spec);
      assert.equal(r.status, 400, JSON.stringify(r.json));
      const errors = (r.json['error'] as { details: { path?: string; message: string }[] }).details;
      assert.ok(errors.some((e) => (e.path ?? '').endsWith(path) && message.test(e.message)), `${path}: ${JSON.stringify(r.json)}`);
    }
    const pod = operatorPod('bert', { 'gatehouse.dev/role': 'Trainer', 'gatehouse.dev/role-grant': grantAt(job, 'Worker') });
    assert.equal((await admit(POD, asServiceAccount(OPERATOR), pod)).allowed, false, 'still not trusted');
  });

  it('once trusted, training-operator’s pod runs as the role on the PyTorchJob author’s authority; an operator not listed is still refused', async () => {
    const r = await applyCluster({ trustedControllers: [{ serviceAccount: 'kubeflow:training-operator' }] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const pod = operatorPod('bert', { 'gatehouse.dev/role': 'Trainer', 'gatehouse.dev/role-grant': grantAt(job, 'Worker') });
    const admitted = await admit(POD, asServiceAccount(OPERATOR), pod);
    assert.equal(admitted.allowed, true, admitted.message);
    assert.equal(admitted.audit['passed-by'], userArn('scientist'));
    assert.equal(admitted.audit['role'], `arn:aws:iam::${acct}:role/Trainer`);
    assert.ok(admitted.patch.some((p) => p.path === '/spec/containers/0/env'), 'the pod gets its credential environment');

    const other = await admit(POD, asServiceAccount('system:serviceaccount:ray-system:kuberay-operator'), operatorPod('bert', { 'gatehouse.dev/role': 'Trainer', 'gatehouse.dev/role-grant': grantAt(job, 'Worker') }));
    assert.equal(other.allowed, false);
    assert.match(other.message, /`system:serviceaccount:ray-system:kuberay-operator` maps to no IAM principal/);
  });

  it('the trusted operator takes no grant made on another kind (copied into a workload the webhook never saw), nor a forged one', async () => {
    const d = await admit(DEPLOYMENT, await asUser('scientist'), {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'serve', namespace: NS },
      spec: { selector: { matchLabels: { app: 'serve' } }, template: { metadata: { labels: { app: 'serve' }, annotations: { 'gatehouse.dev/role': 'Trainer' } }, spec: { containers: [{ name: 's', image: 'serve:v1' }] } } },
    });
    assert.equal(d.allowed, true, d.message);
    const deploymentGrant = d.patch.find((p) => p.path.endsWith('role-grant'))?.value as string;
    // The intern copies it into an object of a kind the webhook does not read (a custom resource the operator serves).
    const copied = await admit(POD, asServiceAccount(OPERATOR), operatorPod('mine', { 'gatehouse.dev/role': 'Trainer', 'gatehouse.dev/role-grant': deploymentGrant }, { apiVersion: 'example.com/v1', kind: 'Experiment' }));
    assert.equal(copied.allowed, false);
    assert.match(copied.message, /is a controller cluster k1 trusts, but its grant was made on a apps\/Deployment, not on its owner's kind example.com\/Experiment/);
    // The PyTorchJob's own grant does not serve a pod that another kind owns either.
    const foreign = await admit(POD, asServiceAccount(OPERATOR), operatorPod('mine', { 'gatehouse.dev/role': 'Trainer', 'gatehouse.dev/role-grant': grantAt(job, 'Worker') }, { apiVersion: 'example.com/v1', kind: 'Experiment' }));
    assert.equal(foreign.allowed, false);
    const forged = await admit(POD, asServiceAccount(OPERATOR), operatorPod('bert', { 'gatehouse.dev/role': 'Trainer', 'gatehouse.dev/role-grant': `${grantAt(job, 'Worker').slice(0, -4)}AAAA` }));
    assert.equal(forged.allowed, false);
    // A grant that does not verify is said to (review qc, 1); it was "carries no grant of cluster k1 for role Trainer".
    assert.match(forged.message, /is a controller cluster k1 trusts, but its grant does not verify/);
  });

  it('a listed controller’s pod on the grant of a submitter who can no longer pass the role is refused', async () => {
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [doc('User', 'scientist', {})] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const pod = operatorPod('bert', { 'gatehouse.dev/role': 'Trainer', 'gatehouse.dev/role-grant': grantAt(job, 'Master') });
    const refused = await admit(POD, asServiceAccount(OPERATOR), pod);
    assert.equal(refused.allowed, false);
    assert.match(refused.message, /user\/scientist is not allowed to perform iam:PassRole/);
  });
});
