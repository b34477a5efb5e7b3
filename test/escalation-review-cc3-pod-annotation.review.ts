/**
 * Review cc, 3 (left by review bz): escalation-paths did not look at pods. A principal that Kubernetes RBAC allows to
 * create pods in a cluster (through its access entry's groups) and that may pass a role trusting the compute service
 * (`iam:PassRole`, or `roles/iam.serviceAccountUser` on the role, which pod admission accepts since review cb, 3)
 * creates a pod annotated `gatehouse.dev/role` and runs as the role (DESIGN.md seed 4): the report listed no step. It
 * now lists `iam:PassRole to a pod` with `kubernetes:create` among the actions and the cluster as `via`; not for a
 * principal with no access entry or whose groups may not create pods. The step is then taken: the webhook admits the
 * pod with the role. Real server (SQLite), admin API (SigV4), AdmissionReview v1 to /k8s/{cluster}/admit.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { reviewedAs } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const ROLE = `arn:aws:iam::${A}:role/podder`;
const CLUSTER = `arn:aws:training::${A}:cluster/k1`;
const policy = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

interface Step {
  readonly how: string;
  readonly actions: readonly string[];
  readonly via?: string;
}

describe('review cc3: creating a pod that names a role', () => {
  let s: TestServer;
  let bearer = '';
  before(async () => {
    s = await startTestServer();
    await s.iam().send(new I.CreateRoleCommand({ RoleName: 'podder', AssumeRolePolicyDocument: JSON.stringify(policy({ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' })) }));
    await s.iam().send(new I.PutRolePolicyCommand({ RoleName: 'podder', PolicyName: 'all', PolicyDocument: JSON.stringify(policy({ Effect: 'Allow', Action: 's3:*', Resource: '*' })) }));
    const pass = { inlinePolicies: { p: policy({ Effect: 'Allow', Action: 'iam:PassRole', Resource: ROLE }) } };
    const entry = (name: string, groups: string[]) => doc('AccessEntry', name, { cluster: 'k1', principalArn: user(name), kubernetesGroups: groups });
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      documents: [
        doc('Cluster', 'k1', {}),
        doc('User', 'kuber', pass),
        entry('kuber', ['devs']),
        doc('User', 'bound', {}),
        entry('bound', ['devs']),
        doc('User', 'nokube', pass),
        doc('User', 'viewer', pass),
        entry('viewer', ['viewers']),
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
    const bound = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', { resource: ROLE, bindings: [{ role: 'roles/iam.serviceAccountUser', members: ['user:bound'] }] });
    assert.equal(bound.status, 200, JSON.stringify(bound.json));
    bearer = String((await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
  });
  after(() => s?.stop());

  const toRole = async (name: string): Promise<readonly Step[] | undefined> => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: user(name) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const reports = r.json['reports'] as { canBecome: { principal: string; path: Step[] }[] }[];
    return reports[0]?.canBecome.find((b) => b.principal === ROLE)?.path;
  };

  it('a user RBAC lets create pods, who may pass the role (by IAM or by binding), runs a pod as it', async () => {
    assert.deepEqual((await toRole('kuber'))?.map((st) => [st.how, st.actions, st.via]), [['iam:PassRole to a pod', ['iam:PassRole', 'kubernetes:create'], CLUSTER]]);
    assert.deepEqual((await toRole('bound'))?.map((st) => [st.how, st.actions]), [['iam:PassRole to a pod', ['iam:PassRole', 'kubernetes:create']]]);
  });

  it('no access entry, or groups that may not create pods: no step', async () => {
    assert.equal(await toRole('nokube'), undefined);
    assert.equal(await toRole('viewer'), undefined);
  });

  it('the step is real: the webhook admits the pod with the role', async () => {
    // kuber as kube-apiserver hands it to admission: the TokenReview of a token of its own.
    const userInfo = await reviewedAs(s, 'k1', bearer, 'kuber');
    const review = {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: '00000000-0000-4000-8000-000000000001',
        kind: { group: '', version: 'v1', kind: 'Pod' },
        resource: { group: '', version: 'v1', resource: 'pods' },
        name: 'p1',
        namespace: 'ml',
        operation: 'CREATE',
        userInfo,
        object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', namespace: 'ml', annotations: { 'gatehouse.dev/role': 'podder' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
        oldObject: null,
        dryRun: true,
      },
    };
    const r = await fetch(`${s.url}/k8s/k1/admit`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify(review) });
    const json = (await r.json()) as { response: { allowed: boolean } };
    assert.equal(json.response.allowed, true, JSON.stringify(json));
  });
});
