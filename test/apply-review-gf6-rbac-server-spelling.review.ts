/**
 * Review gf, finding 6: `gatehouse plan --cluster` compared a Kubernetes RBAC object with the stored one as text, so the
 * same object spelled as the API server holds it was planned as a change. A binding applied from a manifest that
 * leaves a User or Group subject's `apiGroup` out (the API server defaults it to `rbac.authorization.k8s.io`,
 * `pkg/apis/rbac/v1/defaults.go`) or writes `apiGroup: ""` on a ServiceAccount, and then the object as
 * `kubectl get -o yaml` prints it (the `apiGroup` filled in, `uid`, `resourceVersion`, `creationTimestamp`,
 * `managedFields`, empty lists as none), was planned `~ update … (subjects, metadata)` and `plan --exit-code` exited 1,
 * where `kubectl diff` shows nothing: a round trip through the cluster's own spelling was never a no-op. Now objects are
 * compared as the API server holds them; a real change is still planned, with its diff. The real CLI in process against
 * a real server on 127.0.0.1 (SQLite).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { applyWorkspace } from './support/apply-files.ts';

const CLUSTER = `apiVersion: gatehouse.dev/v1
kind: Cluster
metadata: {name: gpu}
spec: {}
`;
// As written by hand: no apiGroup on the User and Group subjects, `apiGroup: ""` on the ServiceAccount.
const WRITTEN = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: pod-reader}
rules:
- {apiGroups: [""], resources: [pods], verbs: [get, list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: readers}
subjects:
- {kind: User, name: bob}
- {kind: Group, name: team}
- {kind: ServiceAccount, name: runner, namespace: ci, apiGroup: ""}
roleRef: {kind: ClusterRole, name: pod-reader, apiGroup: rbac.authorization.k8s.io}
`;
// The same objects as \`kubectl get clusterrole,clusterrolebinding -o yaml\` prints them.
const FROM_SERVER = (verbs: string): string => `apiVersion: v1
kind: List
items:
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata:
    creationTimestamp: "2026-01-05T10:00:00Z"
    name: pod-reader
    resourceVersion: "48213"
    uid: 6f1c1f4e-6d1e-4a55-9a57-3c8f0e0b7c11
    labels: {}
  rules:
  - apiGroups: [""]
    resources: [pods]
    verbs: ${verbs}
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRoleBinding
  metadata:
    creationTimestamp: "2026-01-05T10:00:00Z"
    name: readers
    resourceVersion: "48214"
    uid: 0d1a8b5e-2c47-4c3b-8f0f-8d6e1f3b9a20
    managedFields:
    - {apiVersion: rbac.authorization.k8s.io/v1, fieldsType: FieldsV1, manager: kubectl-client-side-apply, operation: Update}
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-reader}
  subjects:
  - {apiGroup: rbac.authorization.k8s.io, kind: User, name: bob}
  - {apiGroup: rbac.authorization.k8s.io, kind: Group, name: team}
  - {kind: ServiceAccount, name: runner, namespace: ci}
`;

describe('review gf6: an RBAC object spelled as the API server holds it is no change', () => {
  const ws = applyWorkspace('gf6');
  const { cli, file } = ws;
  before(async () => {
    const cluster = await cli('apply', '-f', await file('cluster.yaml', CLUSTER));
    assert.equal(cluster.status, 0, cluster.out + cluster.err);
    const rbac = await cli('apply', '--cluster', 'gpu', '-f', await file('written.yaml', WRITTEN));
    assert.equal(rbac.status, 0, rbac.out + rbac.err);
  });

  it('the server spelling plans and applies as unchanged', async () => {
    const f = await file('from-server.yaml', FROM_SERVER('[get, list]'));
    const plan = await cli('plan', '--exit-code', '--cluster', 'gpu', '-f', f);
    assert.equal(plan.status, 0, plan.out + plan.err);
    assert.match(plan.out, /= unchanged ClusterRole\.rbac\.authorization\.k8s\.io\/pod-reader\n/);
    assert.match(plan.out, /= unchanged ClusterRoleBinding\.rbac\.authorization\.k8s\.io\/readers\n/);
    const apply = await cli('apply', '--cluster', 'gpu', '-f', f);
    assert.equal(apply.status, 0, apply.out + apply.err);
    assert.match(apply.out, /applied: 0 created, 0 updated, 0 deleted, 2 unchanged/);
    // And the hand-written file still matches.
    const back = await cli('plan', '--exit-code', '--cluster', 'gpu', '-f', join(ws.dir, 'written.yaml'));
    assert.equal(back.status, 0, back.out + back.err);
  });

  it('a real change in that spelling is planned, with only what changes', async () => {
    const plan = await cli('plan', '--exit-code', '--cluster', 'gpu', '-f', await file('wider.yaml', FROM_SERVER('["*"]')));
    assert.equal(plan.status, 1, plan.out + plan.err);
    assert.match(plan.out, /~ update ClusterRole\.rbac\.authorization\.k8s\.io\/pod-reader \(rules\)\n/);
    assert.match(plan.out, /rules\[0\]\.verbs/);
    assert.doesNotMatch(plan.out, /uid|resourceVersion|creationTimestamp|apiGroup/);
    assert.match(plan.out, /= unchanged ClusterRoleBinding\.rbac\.authorization\.k8s\.io\/readers\n/);
  });
});
