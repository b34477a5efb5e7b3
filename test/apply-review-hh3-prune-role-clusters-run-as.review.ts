/**
 * Review hh, finding 3: a role a cluster's nodes run as (`instanceRole`, a compute config's `instanceRole`, a mapping's
 * `role`) cannot be deleted through the IAM API: DeleteRole answers DeleteConflict, naming the cluster (review gs, 1),
 * and `apply --prune` refuses it when the files hold that Cluster (review gf, 2). When the cluster was kept elsewhere
 * (its own file, `PUT /v1/clusters`), `gatehouse apply --prune -f roles/` planned `- delete Role/node` and deleted it:
 * every node started after was refused (the cluster named a role that did not exist), and a role created later under
 * the name became the nodes' role. Now the prune is refused as DeleteRole is (DELETE_CONFLICT, exit 7), naming the
 * cluster and its field, and nothing changes; a cluster the files now point elsewhere, or the same prune deletes, does
 * not hold the role. The real CLI in process against a real server on 127.0.0.1 (SQLite).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';

const role = (name: string): string => `apiVersion: gatehouse.dev/v1
kind: Role
metadata: {name: ${name}}
spec:
  trustPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {Service: compute.gatehouse.dev}, Action: "sts:AssumeRole"}]}
`;
const cluster = (name: string, instanceRole: string): string => `apiVersion: gatehouse.dev/v1
kind: Cluster
metadata: {name: ${name}}
spec: {instanceRole: ${instanceRole}}
`;

describe('review hh3: --prune does not delete a role a cluster the files do not hold runs its nodes as', () => {
  const w = applyWorkspace('hh3');
  let roles: string;
  before(async () => {
    const setup = await w.cli('apply', '-f', await w.file('setup.yaml', [role('node'), role('other'), cluster('gpu', 'node')].join('---\n')));
    assert.equal(setup.status, 0, setup.out + setup.err);
    roles = await w.file('roles.yaml', role('other'));
  });

  it('plan and apply --prune refuse, naming the cluster, and nothing changes', async () => {
    for (const command of ['plan', 'apply']) {
      const r = await w.cli(command, '--prune', '-f', roles);
      // Before: exit 0, `- delete Role/node`.
      assert.equal(r.status, 7, r.out + r.err);
      assert.match(r.err, /\(Role node\): .*cluster `gpu` \(spec\.instanceRole\).*\[DELETE_CONFLICT\]/);
    }
    const still = await w.cli('plan', '--exit-code', '-f', await w.file('node.yaml', [role('node'), cluster('gpu', 'node')].join('---\n')));
    assert.equal(still.status, 0, still.out + still.err);
  });

  it('the cluster pointed at another role by the same files, or pruned with it, lets the role go', async () => {
    const moved = await w.cli('plan', '--prune', '-f', await w.file('moved.yaml', [role('other'), cluster('gpu', 'other')].join('---\n')));
    assert.equal(moved.status, 0, moved.out + moved.err);
    assert.match(moved.out, /- delete Role\/node\n/);
    const both = await w.cli('plan', '--prune', '-f', await w.file('both.yaml', [role('other'), cluster('cpu', 'other')].join('---\n')));
    assert.equal(both.status, 0, both.out + both.err);
    assert.match(both.out, /- delete Cluster\/gpu\n/);
    assert.match(both.out, /- delete Role\/node\n/);
  });
});
