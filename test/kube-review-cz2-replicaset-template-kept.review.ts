/**
 * Review cz, 2: a Deployment whose template names a role made ReplicaSets without end. The deployment-controller creates
 * a ReplicaSet with a copy of the Deployment's template (and a `pod-template-hash` label), and finds it again by
 * comparing the two templates (`FindNewReplicaSet`, `EqualIgnoreHash`); the webhook replaced the copied grant with one
 * signed for the ReplicaSet kind, so the ReplicaSet's template never equalled the Deployment's, and the controller took
 * the next sync's `AlreadyExists` for a hash collision, bumped `collisionCount` and created another ReplicaSet, forever
 * (kubernetes/kubernetes#57167: a mutating webhook must not change a ReplicaSet a Deployment owns). Now a built-in
 * controller's object running on its template's grant is left as it was made: the grant it carries (the Deployment's,
 * the CronJob's) already serves the object and its pods (review cz, 1), and is decided again for every pod.
 *
 * Checked: the deployment-controller's ReplicaSet (and the cronjob-controller's Job) is admitted with no patch to its
 * template, and passed by the workload's author; the ReplicaSet controller's pod from it runs on that grant, and the
 * Job controller's from the Job; the deployment-controller relabelling a ReplicaSet's template keeps it too, and a grant
 * left in a copied template that names no role is not removed; a user who creates a ReplicaSet with a copied grant still
 * gets it re-signed for themselves.
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
const ROLE = 'gatehouse.dev/role';
const GRANT = 'gatehouse.dev/role-grant';
const doc = (kind: string, name: string, spec: Json) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const userArn = (name: string) => `arn:aws:iam::${acct}:user/${name}`;
const asUser = (name: string) => reviewedAs(server, 'k1', bearer, name);
const controller = (name: string) => ({ username: `system:serviceaccount:kube-system:${name}`, groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'], extra: {} });

const admit = (kind: ObjectKind, user: unknown, object: Json, oldObject: Json | null = null) => admitObject(server.url, 'k1', bearer, NS, kind, user, object, { oldObject });

const POD = { group: '', version: 'v1', kind: 'Pod', resource: 'pods' };
const DEPLOYMENT = { group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments' };
const REPLICASET = { group: 'apps', version: 'v1', kind: 'ReplicaSet', resource: 'replicasets' };
const CRONJOB = { group: 'batch', version: 'v1', kind: 'CronJob', resource: 'cronjobs' };
const JOB = { group: 'batch', version: 'v1', kind: 'Job', resource: 'jobs' };

const template = (labels: Record<string, string>, grant?: string) => ({
  metadata: { labels, annotations: { [ROLE]: 'Trainer', ...(grant !== undefined ? { [GRANT]: grant } : {}) } },
  spec: { containers: [{ name: 'main', image: 'trainer:v1' }] },
});
const ownedBy = (apiVersion: string, kind: string, name: string) => [{ apiVersion, kind, name, uid: `6f1d0000-0000-0000-0000-${name.padStart(12, '0').slice(-12)}`, controller: true, blockOwnerDeletion: true }];
const grantOf = (patch: Patch): string => {
  const g = patch.find((p) => p.path.endsWith('role-grant'))?.value;
  assert.equal(typeof g, 'string', JSON.stringify(patch));
  return g as string;
};
/** The ReplicaSet the deployment-controller makes: the Deployment's template as it is, with the hash label added. */
const replicaSet = (grant: string, hash: string, extra: Record<string, string> = {}): Json => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name: `serve-${hash}`, namespace: NS, labels: { app: 'serve', 'pod-template-hash': hash }, ownerReferences: ownedBy('apps/v1', 'Deployment', 'serve') },
  spec: { replicas: 2, selector: { matchLabels: { app: 'serve', 'pod-template-hash': hash } }, template: template({ app: 'serve', 'pod-template-hash': hash, ...extra }, grant) },
});

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  const passAll = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }] };
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('Cluster', 'k1', {}),
      doc('Role', 'Trainer', { trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'compute.gatehouse.dev' } }] } }),
      doc('User', 'scientist', { inlinePolicies: { pass: passAll } }),
      doc('User', 'other', { inlinePolicies: { pass: passAll } }),
      doc('AccessEntry', 'scientist', { cluster: 'k1', principalArn: userArn('scientist'), kubernetesGroups: ['devs'] }),
      doc('AccessEntry', 'other', { cluster: 'k1', principalArn: userArn('other'), kubernetesGroups: ['devs'] }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const config = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {});
  assert.equal(config.status, 200, JSON.stringify(config.json));
  bearer = String(config.json['token']);
});
after(() => server?.stop());

describe('a built-in controller’s object keeps the template it copied (review cz, 2)', () => {
  let deploymentGrant = '';

  it('the deployment-controller’s ReplicaSet is admitted unchanged, on the Deployment author’s authority', async () => {
    const d = await admit(DEPLOYMENT, await asUser('scientist'), {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'serve', namespace: NS },
      spec: { replicas: 2, selector: { matchLabels: { app: 'serve' } }, template: template({ app: 'serve' }) },
    });
    assert.equal(d.allowed, true, d.message);
    deploymentGrant = grantOf(d.patch);
    const rs = await admit(REPLICASET, controller('deployment-controller'), replicaSet(deploymentGrant, '5d8f7c9b6d'));
    assert.equal(rs.allowed, true, rs.message);
    assert.deepEqual(rs.patch, [], 'a ReplicaSet template the webhook changes no longer equals its Deployment’s: the controller makes another, without end');
    assert.equal(rs.audit['passed-by'], userArn('scientist'));
  });

  it('the ReplicaSet controller’s pod runs on the grant the ReplicaSet kept', async () => {
    const pod = await admit(POD, controller('replicaset-controller'), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { generateName: 'serve-5d8f7c9b6d-', namespace: NS, labels: { app: 'serve', 'pod-template-hash': '5d8f7c9b6d' }, annotations: { [ROLE]: 'Trainer', [GRANT]: deploymentGrant }, ownerReferences: ownedBy('apps/v1', 'ReplicaSet', 'serve-5d8f7c9b6d') },
      spec: { containers: [{ name: 'main', image: 'trainer:v1' }] },
    });
    assert.equal(pod.allowed, true, pod.message);
    assert.equal(pod.audit['passed-by'], userArn('scientist'));
  });

  it('the deployment-controller relabelling an old ReplicaSet’s template keeps its grant too', async () => {
    const old = replicaSet(deploymentGrant, '5d8f7c9b6d');
    const relabelled = replicaSet(deploymentGrant, '5d8f7c9b6d', { adopted: 'yes' });
    const r = await admit(REPLICASET, controller('deployment-controller'), relabelled, old);
    assert.equal(r.allowed, true, r.message);
    assert.deepEqual(r.patch, []);
  });

  it('the cronjob-controller’s Job keeps the CronJob’s grant, and the Job controller’s pod runs on it', async () => {
    const c = await admit(CRONJOB, await asUser('scientist'), {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'nightly', namespace: NS },
      spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { ...template({ app: 'nightly' }), spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'trainer:v1' }] } } } } },
    });
    assert.equal(c.allowed, true, c.message);
    const cronGrant = grantOf(c.patch);
    const job = await admit(JOB, controller('cronjob-controller'), {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'nightly-29000000', namespace: NS, ownerReferences: ownedBy('batch/v1', 'CronJob', 'nightly') },
      spec: { template: { ...template({ app: 'nightly' }, cronGrant), spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'trainer:v1' }] } } },
    });
    assert.equal(job.allowed, true, job.message);
    assert.deepEqual(job.patch, []);
    const pod = await admit(POD, controller('job-controller'), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { generateName: 'nightly-29000000-', namespace: NS, annotations: { [ROLE]: 'Trainer', [GRANT]: cronGrant }, ownerReferences: ownedBy('batch/v1', 'Job', 'nightly-29000000') },
      spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'trainer:v1' }] },
    });
    assert.equal(pod.allowed, true, pod.message);
    assert.equal(pod.audit['passed-by'], userArn('scientist'));
  });

  it('a grant left in a template that names no role is not removed from the deployment-controller’s copy', async () => {
    const rs = replicaSet(deploymentGrant, '7c9b6d5d8f');
    const t = ((rs['spec'] as Json)['template'] as Json)['metadata'] as { annotations: Record<string, string> };
    delete t.annotations[ROLE];
    const r = await admit(REPLICASET, controller('deployment-controller'), rs);
    assert.equal(r.allowed, true, r.message);
    assert.deepEqual(r.patch, []);
  });

  it('a user’s own ReplicaSet carrying a copied grant is still re-signed for that user', async () => {
    const rs = replicaSet(deploymentGrant, 'mine00000');
    delete (rs['metadata'] as Json)['ownerReferences'];
    const r = await admit(REPLICASET, await asUser('other'), rs);
    assert.equal(r.allowed, true, r.message);
    assert.notEqual(grantOf(r.patch), deploymentGrant);
    assert.equal(r.audit['passed-by'], userArn('other'));
  });
});
