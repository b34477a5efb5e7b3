/**
 * Review tk, 1: a user whose access entry's groups may create pods in a namespace of a cluster (Kubernetes RBAC), and
 * allowed to add itself to a group whose policy allows `iam:PassRole` on a role trusting the compute service (or to
 * attach to itself a managed policy that does, by `iam:PolicyARN`), joins (attaches), creates a pod annotated
 * `gatehouse.dev/role` and runs as the role (DESIGN.md seed 4; the admission webhook's PassRole check decides the
 * member with its groups' and attached policies, reference/policy-semantics.md §A.1). Escalation-paths listed no path
 * to the role: the pod step asked PassRole with the user's current policies only, while the job and node steps are
 * also asked with the policy a join or attachment adds (reviews tg, 2 and 4; docs/decisions.md, review sx, 2 "Left:
 * joining a group to pass a role to a job, a node or a pod"). The pod step now is too: `iam:PassRole`,
 * `iam:AddUserToGroup` (or `iam:AttachUserPolicy`), `kubernetes:create`. A user without the join is still no path.
 * Taken for real: the webhook refuses the pod, the user joins, the webhook admits it. Real server (SQLite), SDK v3
 * IAM, admin API, AdmissionReview v1 to /k8s/{cluster}/admit.
 *
 * Before the fix 1 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { admit, podCreate, reviewedAs } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { passRoleGrants, pathSteps, serviceRole, type HowStep } from './support/escalation.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const PODDER = `arn:aws:iam::${A}:role/podder`;
const CLUSTER = `arn:aws:training::${A}:cluster/k1`;
const PASSERS = `arn:aws:iam::${A}:group/passers`;
const PASSPOD = `arn:aws:iam::${A}:policy/passpod`;
const policy = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });
const allow = (Action: string | string[], Resource: string | string[] = '*', Condition?: object) => ({ Effect: 'Allow', Action, Resource, ...(Condition ? { Condition } : {}) });
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

describe('review tk1: joining a group or attaching a policy, then passing a role to a pod', () => {
  let s: TestServer;
  let bearer = '';
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await serviceRole(iam, 'podder', 'compute.gatehouse.dev');
    await passRoleGrants(iam, PODDER, 'passpod');
    const entry = (name: string) => doc('AccessEntry', name, { cluster: 'k1', principalArn: user(name), kubernetesGroups: ['devs'] });
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      documents: [
        doc('Cluster', 'k1', {}),
        doc('User', 'kay', { inlinePolicies: { p: policy(allow('iam:AddUserToGroup', PASSERS)) } }),
        doc('User', 'max', { inlinePolicies: { p: policy(allow('iam:AttachUserPolicy', user('max'), { ArnEquals: { 'iam:PolicyARN': PASSPOD } })) } }),
        doc('User', 'lou', {}),
        entry('kay'),
        entry('max'),
        entry('lou'),
      ],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    const rbac = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      cluster: 'k1',
      documents: [
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'pods', namespace: 'ml' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['create', 'get'] }] },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'devs-pods', namespace: 'ml' }, subjects: [{ kind: 'Group', name: 'devs', apiGroup: 'rbac.authorization.k8s.io' }], roleRef: { kind: 'Role', name: 'pods', apiGroup: 'rbac.authorization.k8s.io' } },
      ],
    });
    assert.equal(rbac.status, 200, JSON.stringify(rbac.json));
    bearer = String((await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
  });
  after(() => s?.stop());

  const toPodder = (name: string): Promise<readonly HowStep[] | undefined> => pathSteps(s, user(name), PODDER);

  it('a group joined, or a policy attached to oneself, then PassRole to a pod of the cluster', async () => {
    assert.deepEqual((await toPodder('kay'))?.map((st) => [st.how, st.actions, st.via]), [['iam:PassRole to a pod', ['iam:PassRole', 'iam:AddUserToGroup', 'kubernetes:create'], CLUSTER]]);
    assert.deepEqual((await toPodder('max'))?.map((st) => [st.how, st.actions, st.via]), [['iam:PassRole to a pod', ['iam:PassRole', 'iam:AttachUserPolicy', 'kubernetes:create'], CLUSTER]]);
  });

  it('no path without the join (lou)', async () => {
    assert.equal(await toPodder('lou'), undefined);
  });

  it('the step is real: the pod refused, kay joins passers, the pod admitted', async () => {
    const userInfo = await reviewedAs(s, 'k1', bearer, 'kay');
    const refused = await admit(s.url, 'k1', bearer, podCreate(A, 'kay', 'p1', 'podder', userInfo));
    assert.equal(refused['allowed'], false, JSON.stringify(refused));
    await s.iam().send(new I.AddUserToGroupCommand({ GroupName: 'passers', UserName: 'kay' }));
    const admitted = await admit(s.url, 'k1', bearer, podCreate(A, 'kay', 'p2', 'podder', userInfo));
    assert.equal(admitted['allowed'], true, JSON.stringify(admitted));
  });
});
