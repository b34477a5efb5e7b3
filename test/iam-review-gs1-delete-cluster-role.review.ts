/**
 * Review gs, finding 1: DeleteRole (the IAM Query API, `DELETE /v1/roles/{name}`, `gatehouse iam roles delete`) deleted
 * a role that a cluster runs its nodes as: its `instanceRole`, a compute config's `instanceRole` or a mapping's `role`.
 * It answered 200, and every node of the cluster started after it was refused (`role … does not exist`), while a role
 * created later under the name became its nodes' role unasked. AWS refuses DeleteRole with 409 DeleteConflict while an
 * instance profile holds the role ("Cannot delete entity, must remove roles from instance profile first."), and
 * `gatehouse apply --prune` already refused to delete such a role (review gf, 2). Now DeleteRole is refused the same
 * way, 409 DeleteConflict naming each cluster and field that names the role, and nothing changes; once no cluster
 * names it, it is deleted. The real AWS SDK v3 against a real server on 127.0.0.1 (SQLite).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand, DeleteRoleCommand, GetRoleCommand } from '@aws-sdk/client-iam';
import { applyWorkspace } from './support/apply-files.ts';
import { sdkFailure } from './support/server.ts';

const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }] });
const cluster = (instanceRole: string, big: string, mapped: string): string => `apiVersion: gatehouse.dev/v1
kind: Cluster
metadata: {name: gpu}
spec:
  instanceRole: ${instanceRole}
  computeConfigs: {big: {instanceRole: "${big}"}}
  mappings: [{group: ops, role: ${mapped}}]
`;

describe('review gs1: DeleteRole refuses a role a cluster runs its nodes as', () => {
  const w = applyWorkspace('gs1');
  before(async () => {
    const iam = w.server.iam();
    for (const name of ['node', 'big', 'mapped', 'other']) await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST }));
    const applied = await w.cli('apply', '-f', await w.file('cluster.yaml', cluster('node', 'arn:aws:iam::000000000000:role/BIG', 'mapped')));
    assert.equal(applied.status, 0, applied.out + applied.err);
  });

  it('answers 409 DeleteConflict naming the cluster and the field, for each way a cluster names a role', async () => {
    const iam = w.server.iam();
    for (const [name, field] of [['node', 'spec.instanceRole'], ['big', 'spec.computeConfigs.big.instanceRole'], ['mapped', 'spec.mappings[0].role']] as const) {
      const f = await sdkFailure(iam.send(new DeleteRoleCommand({ RoleName: name })));
      assert.equal(f.code, 'DeleteConflict', `${name}: ${f.code} ${f.message}`);
      assert.equal(f.status, 409);
      assert.match(f.message, /^Cannot delete entity, must remove the role from the clusters that run their nodes as it first/);
      assert.ok(f.message.includes(`cluster \`gpu\` (${field})`), f.message);
      assert.equal((await iam.send(new GetRoleCommand({ RoleName: name }))).Role?.RoleName, name);
    }
  });

  it('the CLI is refused the same way, and a role no cluster names is deleted', async () => {
    const r = await w.cli('iam', 'roles', 'delete', 'node');
    assert.notEqual(r.status, 0, r.out);
    assert.match(r.err, /cluster `gpu` \(spec\.instanceRole\)/);
    await w.server.iam().send(new DeleteRoleCommand({ RoleName: 'other' }));
  });

  it('once the cluster names other roles, the roles it named are deleted', async () => {
    const applied = await w.cli('apply', '-f', await w.file('moved.yaml', cluster('other-node', 'other-node', 'other-node')));
    assert.equal(applied.status, 0, applied.out + applied.err);
    const iam = w.server.iam();
    for (const name of ['node', 'big', 'mapped']) await iam.send(new DeleteRoleCommand({ RoleName: name }));
  });
});
