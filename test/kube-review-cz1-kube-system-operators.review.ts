/**
 * Review cz, 1: any kube-system service account ran pods on any grant. `passerOf` took every
 * `system:serviceaccount:kube-system:*` user for one of kube-controller-manager's controllers, and let it run a pod on
 * any valid grant of its role and namespace, whatever workload owned the pod. kube-system also holds third-party
 * operators (cluster-autoscaler, aws-load-balancer-controller, karpenter, GPU and training operators…); one that builds
 * pods from templates users write could carry a grant copied from another user's Deployment and run the code of
 * whoever wrote its own object with that role. Now only the built-in controllers are trusted, by name (upstream's
 * `system:serviceaccount:kube-system:<name>-controller` with `--use-service-account-credentials`, else
 * `system:kube-controller-manager`); their pods must be owned by the kind the grant was made on (a ReplicaSet's also on
 * its Deployment's grant, a Job's on its CronJob's), and grants made before grants named their kind are taken only from
 * them, for pods of the built-in workloads. Any other kube-system account is an operator like any other: trusted only
 * when the Cluster document lists it, and then under the owner-kind rule.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { reviewedAs, admitObject, type JsonPatch, type ObjectKind } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

type Json = Record<string, unknown>;
type Patch = JsonPatch;

let server: TestServer;
let acct = '';
let bearer = '';
const NS = 'ml';
const ROLE = 'gatehouse.dev/role';
const GRANT = 'gatehouse.dev/role-grant';
const doc = (kind: string, name: string, spec: Json) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const userArn = (name: string) => `arn:aws:iam::${acct}:user/${name}`;
const asUser = (name: string) => reviewedAs(server, 'k1', bearer, name);
const sa = (ns: string, name: string) => ({ username: `system:serviceaccount:${ns}:${name}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'], extra: {} });
const KCM = { username: 'system:kube-controller-manager', groups: ['system:authenticated'], extra: {} };
/** A third-party operator installed in kube-system, which builds pods from objects its users write. */
const ACME = sa('kube-system', 'acme-operator');

const admit = (kind: ObjectKind, user: unknown, object: Json) => admitObject(server.url, 'k1', bearer, NS, kind, user, object);

const POD = { group: '', version: 'v1', kind: 'Pod', resource: 'pods' };
const DEPLOYMENT = { group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments' };
const STATEFULSET = { group: 'apps', version: 'v1', kind: 'StatefulSet', resource: 'statefulsets' };
const PYTORCHJOB = { group: 'kubeflow.org', version: 'v1', kind: 'PyTorchJob', resource: 'pytorchjobs' };

const template = () => ({ metadata: { labels: { app: 'w' }, annotations: { [ROLE]: 'Trainer' } }, spec: { containers: [{ name: 'main', image: 'trainer:v1' }] } });
/** The grant the webhook set on the workload's (first) template. */
async function grantOn(kind: typeof DEPLOYMENT, object: Json): Promise<string> {
  const r = await admit(kind, await asUser('scientist'), object);
  assert.equal(r.allowed, true, r.message);
  const g = r.patch.find((p) => p.path.endsWith('role-grant'))?.value;
  assert.equal(typeof g, 'string', JSON.stringify(r.patch));
  return g as string;
}
/** A pod made from a template, owned (when `owner` is given) by a controlling owner `apiVersion`/`kind`. */
const podFrom = (grant: string, owner?: { apiVersion: string; kind: string }): Json => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    generateName: 'w-',
    namespace: NS,
    annotations: { [ROLE]: 'Trainer', [GRANT]: grant },
    ...(owner !== undefined ? { ownerReferences: [{ ...owner, name: 'w', uid: '6f1d0000-0000-0000-0000-000000000001', controller: true, blockOwnerDeletion: true }] } : {}),
  },
  spec: { containers: [{ name: 'main', image: 'trainer:v1' }] },
});
const RS = { apiVersion: 'apps/v1', kind: 'ReplicaSet' };
const EXPERIMENT = { apiVersion: 'example.com/v1', kind: 'Experiment' };

async function applyCluster(spec: Json): Promise<void> {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [doc('Cluster', 'k1', spec)] });
  assert.equal(r.status, 200, JSON.stringify(r.json));
}

let deploymentGrant = '';

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  const passAll = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }] };
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('Cluster', 'k1', {}),
      doc('Role', 'Trainer', { trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'compute.gatehouse.dev' } }] } }),
      doc('User', 'scientist', { inlinePolicies: { pass: passAll } }),
      doc('AccessEntry', 'scientist', { cluster: 'k1', principalArn: userArn('scientist'), kubernetesGroups: ['devs'] }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const config = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {});
  assert.equal(config.status, 200, JSON.stringify(config.json));
  bearer = String(config.json['token']);
  deploymentGrant = await grantOn(DEPLOYMENT, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'serve', namespace: NS }, spec: { selector: { matchLabels: { app: 'w' } }, template: template() } });
});
after(() => server?.stop());

describe('only kube-controller-manager’s own controllers run pods on any workload’s grant (review cz, 1)', () => {
  it('a third-party operator in kube-system is refused a grant copied from another user’s Deployment, whatever owner its pod names', async () => {
    for (const owner of [EXPERIMENT, RS, undefined]) {
      const r = await admit(POD, ACME, podFrom(deploymentGrant, owner));
      assert.equal(r.allowed, false, `owner ${JSON.stringify(owner)}: ${JSON.stringify(r.audit)}`);
      assert.match(r.message, /Kubernetes user `system:serviceaccount:kube-system:acme-operator` maps to no IAM principal/);
      assert.match(r.message, /spec\.trustedControllers/, 'the refusal says how to trust an operator');
    }
  });

  it('the ReplicaSet controller runs its pod on the Deployment’s grant, as a service account or as kube-controller-manager', async () => {
    for (const user of [sa('kube-system', 'replicaset-controller'), KCM]) {
      const r = await admit(POD, user, podFrom(deploymentGrant, RS));
      assert.equal(r.allowed, true, r.message);
      assert.equal(r.audit['passed-by'], userArn('scientist'));
    }
  });

  it('a built-in controller’s pod must be owned by the kind the grant was made on', async () => {
    const rs = sa('kube-system', 'replicaset-controller');
    const foreign = await admit(POD, rs, podFrom(deploymentGrant, EXPERIMENT));
    assert.equal(foreign.allowed, false);
    assert.match(foreign.message, /its grant was made on a apps\/Deployment, not on its owner's kind example\.com\/Experiment/);
    const orphan = await admit(POD, rs, podFrom(deploymentGrant));
    assert.equal(orphan.allowed, false);
    assert.match(orphan.message, /it has no controller ownerReference/);

    const stsGrant = await grantOn(STATEFULSET, { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: NS }, spec: { serviceName: 'db', selector: { matchLabels: { app: 'w' } }, template: template() } });
    const sts = await admit(POD, sa('kube-system', 'statefulset-controller'), podFrom(stsGrant, { apiVersion: 'apps/v1', kind: 'StatefulSet' }));
    assert.equal(sts.allowed, true, sts.message);
    const ds = await admit(POD, sa('kube-system', 'daemon-set-controller'), podFrom(stsGrant, { apiVersion: 'apps/v1', kind: 'DaemonSet' }));
    assert.equal(ds.allowed, false);
    assert.match(ds.message, /made on a apps\/StatefulSet, not on its owner's kind apps\/DaemonSet/);
  });

  it('a grant made before grants named their kind serves no one: it was signed under the key review qc, 1 retired', async () => {
    // As this server signed grants then: {p, r, ns}, with the key derived from the cluster's webhook token. It served
    // the built-in controllers' pods of the built-in workloads; since review qc, 1 the grant key needs the master key
    // (the token alone let whoever held it sign any grant), so every grant signed before it is void: apply the workload
    // again, and its grant names its kind.
    const key = createHmac('sha256', bearer).update('gatehouse.dev/role-grant').digest();
    const payload = Buffer.from(JSON.stringify({ p: userArn('scientist'), r: `arn:aws:iam::${acct}:role/Trainer`, ns: NS }), 'utf8').toString('base64url');
    const legacy = `v1.${payload}.${createHmac('sha256', key).update(payload).digest('base64url')}`;
    const builtIn = await admit(POD, sa('kube-system', 'replicaset-controller'), podFrom(legacy, RS));
    assert.equal(builtIn.allowed, false);
    assert.match(builtIn.message, /its grant does not verify .*apply the workload again/);
    const foreign = await admit(POD, sa('kube-system', 'replicaset-controller'), podFrom(legacy, EXPERIMENT));
    assert.equal(foreign.allowed, false);
    const acme = await admit(POD, ACME, podFrom(legacy, RS));
    assert.equal(acme.allowed, false);
    assert.match(acme.message, /maps to no IAM principal/);
  });

  it('a kube-system operator the Cluster document lists runs pods on grants made on its owner’s kind only', async () => {
    const jobGrant = await grantOn(PYTORCHJOB, {
      apiVersion: 'kubeflow.org/v1',
      kind: 'PyTorchJob',
      metadata: { name: 'bert', namespace: NS },
      spec: { pytorchReplicaSpecs: { Worker: { replicas: 1, template: template() } } },
    });
    const owner = { apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob' };
    assert.equal((await admit(POD, ACME, podFrom(jobGrant, owner))).allowed, false, 'not trusted before it is listed');
    await applyCluster({ trustedControllers: [{ serviceAccount: 'kube-system:acme-operator' }] });
    const ok = await admit(POD, ACME, podFrom(jobGrant, owner));
    assert.equal(ok.allowed, true, ok.message);
    assert.equal(ok.audit['passed-by'], userArn('scientist'));
    const copied = await admit(POD, ACME, podFrom(deploymentGrant, owner));
    assert.equal(copied.allowed, false);
    assert.match(copied.message, /made on a apps\/Deployment, not on its owner's kind kubeflow\.org\/PyTorchJob/);
    // Listing it does not make it a built-in controller: a ReplicaSet-owned pod still needs a grant made on that kind.
    const posing = await admit(POD, ACME, podFrom(deploymentGrant, RS));
    assert.equal(posing.allowed, false);
  });
});
