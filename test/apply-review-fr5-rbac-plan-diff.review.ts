/**
 * Review fr, finding 5: `gatehouse plan --cluster` said that a Kubernetes RBAC object would change
 * (`~ update ClusterRoleBinding.rbac.authorization.k8s.io/viewers (subjects)`) but not how: a reviewer of a plan in CI
 * could not tell a renamed group from `system:authenticated` (every user of the cluster) added to a binding, or `get`
 * from `*` in a ClusterRole's verbs, without reading the stored object; review cq, 4 made plan show that for policy
 * documents, and `kubectl diff` shows it. Now an RBAC update lists under its line what changes inside, at its path
 * (`+ subjects[1]: {…}`, `~ rules[0].verbs[0]: "get" → "*"`), in plan, apply and `--json` (`diff`); key order and
 * layout still do not count. The real CLI in process against a real server on 127.0.0.1 (SQLite).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';

const rbac = (verbs: string, subjects: string): string => `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: pod-reader}
rules:
- {apiGroups: [""], resources: [pods], verbs: ${verbs}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: viewers}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-reader}
subjects: ${subjects}
`;
const TEAM = '{kind: Group, apiGroup: rbac.authorization.k8s.io, name: team}';
const EVERYONE = '{kind: Group, apiGroup: rbac.authorization.k8s.io, name: "system:authenticated"}';

describe('review fr5: plan shows how an RBAC object changes', () => {
  const { cli, file } = applyWorkspace('fr5');
  before(async () => {
    const cluster = await cli('apply', '-f', await file('cluster.yaml', 'apiVersion: gatehouse.dev/v1\nkind: Cluster\nmetadata: {name: gpu}\nspec: {}\n'));
    assert.equal(cluster.status, 0, cluster.err);
    const applied = await cli('apply', '--cluster', 'gpu', '-f', await file('before.yaml', rbac('[get, list]', `[${TEAM}]`)));
    assert.equal(applied.status, 0, applied.err);
  });

  it('a verb widened and a subject added are listed at their paths, in plan and --json', async () => {
    const f = await file('after.yaml', rbac('["*", list]', `[${TEAM}, ${EVERYONE}]`));
    const plan = await cli('plan', '--cluster', 'gpu', '-f', f);
    assert.equal(plan.status, 0, plan.out + plan.err);
    assert.match(plan.out, /^ {2}~ update ClusterRole\.rbac\.authorization\.k8s\.io\/pod-reader \(rules\)\n {6}~ rules\[0\]\.verbs\[0\]: "get" → "\*"\n/m);
    assert.match(plan.out, /^ {2}~ update ClusterRoleBinding\.rbac\.authorization\.k8s\.io\/viewers \(subjects\)\n {6}\+ subjects\[1\]: \{"apiGroup":"rbac\.authorization\.k8s\.io","kind":"Group","name":"system:authenticated"\}\n/m);
    const json = await cli('plan', '--cluster', 'gpu', '--json', '-f', f);
    assert.equal(json.status, 0, json.err);
    const changes = (JSON.parse(json.out) as { changes: { name: string; diff?: unknown }[] }).changes;
    assert.deepEqual(changes.find((c) => c.name === 'viewers')?.diff, [{ op: '+', path: 'subjects[1]', after: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:authenticated' } }]);
  });

  it('the same objects with keys in another order: unchanged, no diff', async () => {
    const f = await file('reordered.yaml', rbac('[get, list]', '[{name: team, apiGroup: rbac.authorization.k8s.io, kind: Group}]'));
    const plan = await cli('plan', '--cluster', 'gpu', '--exit-code', '-f', f);
    assert.equal(plan.status, 0, plan.out + plan.err);
    assert.doesNotMatch(plan.out, /^ {6}/m);
  });
});
