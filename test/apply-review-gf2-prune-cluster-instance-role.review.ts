/**
 * Review gf, finding 2: `gatehouse apply --prune` refuses a document naming a user, group or role the same prune
 * deletes (docs/decisions.md, review ak, 5: an AccessEntry mapping that role is refused), but a Cluster naming its nodes'
 * role, as `instanceRole`, a compute config's `instanceRole` or a mapping's `role`, was not: the files below were planned
 * `= unchanged Cluster/gpu` and `- delete Role/node`, and applied with exit 0. The cluster then named a role that did not
 * exist, every node refused at start (and a role created later under the name became its nodes' role), while
 * `plan --exit-code` of the same files still said everything matched. Now each such field is refused at its line, as a
 * mapping's user or group is, and nothing changes. The real CLI in process against a real server on 127.0.0.1 (SQLite).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';

const role = (name: string): string => `apiVersion: gatehouse.dev/v1
kind: Role
metadata: {name: ${name}}
spec:
  trustPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {Service: compute.gatehouse.dev}, Action: "sts:AssumeRole"}]}
---
`;
const CLUSTER = `apiVersion: gatehouse.dev/v1
kind: Cluster
metadata: {name: gpu}
spec:
  instanceRole: node
  computeConfigs: {big: {instanceRole: "arn:aws:iam::000000000000:role/Node"}}
  mappings: [{group: admins, role: other}, {group: ops, role: node}]
`;

describe('review gf2: a cluster naming a role the same prune deletes is refused', () => {
  const { cli, file } = applyWorkspace('gf2');
  before(async () => {
    const applied = await cli('apply', '-f', await file('all.yaml', `${role('node')}${role('other')}${CLUSTER}`));
    assert.equal(applied.status, 0, applied.out + applied.err);
  });

  it('plan and apply --prune refuse each field naming the pruned role, and the role stays', async () => {
    const f = await file('without-node.yaml', `${role('other')}${CLUSTER}`);
    for (const command of ['plan', 'apply']) {
      const r = await cli(command, '--prune', '-f', f);
      assert.equal(r.status, 8, r.out + r.err);
      assert.match(r.err, /without-node\.yaml:11:3: document 2 \(Cluster gpu\): spec\.instanceRole: role `node` is deleted by --prune \(no Role document names it\) but named here \[INVALID_INPUT\]/);
      assert.match(r.err, /without-node\.yaml:12:\d+: document 2 \(Cluster gpu\): spec\.computeConfigs\.big\.instanceRole: role `Node` is deleted by --prune/);
      assert.match(r.err, /without-node\.yaml:13:\d+: document 2 \(Cluster gpu\): spec\.mappings\[1\]\.role: role `node` is deleted by --prune/);
      assert.doesNotMatch(r.err, /mappings\[0\]/);
    }
    const kept = await cli('iam', 'roles', 'get', 'node');
    assert.equal(kept.status, 0, kept.out + kept.err);
  });

  it('the same cluster with its role in the files, or without that role, is applied', async () => {
    const plan = await cli('plan', '--prune', '--exit-code', '-f', await file('all-again.yaml', `${role('node')}${role('other')}${CLUSTER}`));
    assert.equal(plan.status, 0, plan.out + plan.err);
    const moved = CLUSTER.replace('instanceRole: node', 'instanceRole: other').replace('role/Node', 'role/other').replace('role: node', 'role: other');
    const apply = await cli('apply', '--prune', '-f', await file('moved.yaml', `${role('other')}${moved}`));
    assert.equal(apply.status, 0, apply.out + apply.err);
    assert.match(apply.out, /- delete Role\/node\n/);
  });
});
