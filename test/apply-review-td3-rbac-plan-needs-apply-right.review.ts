/**
 * Review td, finding 3: `gatehouse plan --cluster K` (and `apply`) of a Kubernetes RBAC document answered with what the
 * cluster holds before asking whether the caller may touch it: a user allowed nothing read a stored binding's roleRef
 * from the refusal to change it ("ClusterRoleBinding `rb` grants ClusterRole `secret-admin-role`…"), whether a cluster
 * exists ("cluster `k2` does not exist"), and every field of a stored binding by `= unchanged` to a guess. RBAC objects
 * have no read of their own: DESIGN.md/docs/decisions.md "Who may change a cluster's Kubernetes side is an IAM question
 * on the cluster's ARN" (`training:ApplyRbacObject`), and review td, 1 (what a plan reads is decided before it answers).
 * Now planning an RBAC object is decided as applying it (on its cluster as named, with its kind, name and roleRef) before
 * it is planned; a delegate allowed that object is still answered as before. The real CLI in process against a real
 * server (SQLite).
 *
 * Before the fix 3 of 4 tests failed.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';
import { cliAgainst, userWithKey, userWithPolicy, type Credentials } from './support/server.ts';

const binding = (role: string) => `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: rb}
subjects: [{kind: Group, name: team, apiGroup: rbac.authorization.k8s.io}]
roleRef: {kind: ClusterRole, name: ${role}, apiGroup: rbac.authorization.k8s.io}
`;

describe('review td3: planning an RBAC object is decided as applying it, before it is answered', () => {
  const w = applyWorkspace('td3');
  let nobody: Credentials;
  let delegate: Credentials;
  before(async () => {
    const cluster = await w.cli('apply', '-f', await w.file('cluster.yaml', 'apiVersion: gatehouse.dev/v1\nkind: Cluster\nmetadata: {name: k1}\nspec: {}\n'));
    assert.equal(cluster.status, 0, cluster.out + cluster.err);
    const rb = await w.cli('apply', '--cluster', 'k1', '-f', await w.file('rb.yaml', binding('secret-admin-role')));
    assert.equal(rb.status, 0, rb.out + rb.err);
    nobody = await userWithKey(w.server, 'nobody');
    delegate = await userWithPolicy(w.server, 'delegate', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'training:ApplyRbacObject', Resource: '*', Condition: { StringEquals: { 'training:RbacName': 'rb' } } }] }));
  });
  const plan = async (cluster: string, role: string, who: Credentials) => cliAgainst(w.server, ['plan', '--cluster', cluster, '-f', await w.file(`${cluster}-${role}.yaml`, binding(role))], who);

  it("a stored binding's roleRef is not told to a user allowed nothing", async () => {
    const r = await plan('k1', 'view', nobody);
    assert.equal(r.status, 9, r.out + r.err);
    assert.match(r.err, /training:ApplyRbacObject/);
    assert.doesNotMatch(r.out + r.err, /secret-admin-role|RBAC_INVALID_VALUE/);
  });

  it('nor that a guess of the whole binding is right (= unchanged)', async () => {
    const r = await plan('k1', 'secret-admin-role', nobody);
    assert.equal(r.status, 9, r.out + r.err);
    assert.doesNotMatch(r.out, /unchanged/);
  });

  it('nor whether a cluster exists', async () => {
    const absent = await plan('k2', 'view', nobody);
    assert.equal(absent.status, 9, absent.out + absent.err);
    assert.doesNotMatch(absent.err, /does not exist/);
  });

  it('a delegate allowed that object still gets the plan and its refusal', async () => {
    const same = await plan('k1', 'secret-admin-role', delegate);
    assert.equal(same.status, 0, same.out + same.err);
    assert.match(same.out, /= unchanged ClusterRoleBinding\.rbac\.authorization\.k8s\.io\/rb/);
    const other = await plan('k1', 'view', delegate);
    assert.equal(other.status, 3, other.out + other.err);
    assert.match(other.err, /grants ClusterRole `secret-admin-role`.*cannot change/);
  });
});
