/**
 * Review md, finding 4: an AccessEntry's update was planned and applied as `~ update AccessEntry/NAME
 * (kubernetesGroups)` with nothing under it, so the reviewer of a plan could not see which Kubernetes groups (what the
 * cluster's RBAC bindings grant: seed 001's `hyperpod-scientist-user-cluster-level`, or an admin group) a principal
 * gained or lost, nor what its username became; review md, 1 lists every other field's change. `terraform plan` of an
 * `aws_eks_access_entry` lists `~ kubernetes_groups` with each element added or removed, and `~ user_name = old -> new`
 * (terraform plan marks an in-place update's attributes `~`, `+`, `-`: github.com/hashicorp/terraform/issues/14379).
 * Now each group added is `+ kubernetesGroups: "NAME"`, each removed `- kubernetesGroups: "NAME"`, and the username
 * `~ username: OLD → NEW` (`+`/`-` when set or left out). The real CLI in process against a real server on 127.0.0.1.
 * Before the fix 1 of 1 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';

const files = (groups: string, username: string): string => `apiVersion: gatehouse.dev/v1
kind: Role
metadata: {name: scientist}
spec: {trustPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {AWS: "arn:aws:iam::000000000000:root"}, Action: "sts:AssumeRole"}]}}
---
apiVersion: gatehouse.dev/v1
kind: Cluster
metadata: {name: hyperpod}
spec: {}
---
apiVersion: gatehouse.dev/v1
kind: AccessEntry
metadata: {name: scientist}
spec:
  cluster: hyperpod
  principalArn: arn:aws:iam::000000000000:role/scientist
  kubernetesGroups: ${groups}
${username}`;

describe('review md4: an access entry update lists the groups and username it changes', () => {
  const { cli, file } = applyWorkspace('md4');

  it('groups gained and lost, username set: each listed, in plan and apply; applied again, nothing', async () => {
    const first = await cli('apply', '-f', await file('first.yaml', files('[hyperpod-scientist-user-cluster-level, readers]', '')));
    assert.equal(first.status, 0, first.out + first.err);
    const next = await file('next.yaml', files('[hyperpod-scientist-user-cluster-level, cluster-admins]', '  username: "scientist:{{SessionName}}"\n'));
    const expected = /~ update AccessEntry\/scientist \(kubernetesGroups, username\)\n {6}- kubernetesGroups: "readers"\n {6}\+ kubernetesGroups: "cluster-admins"\n {6}\+ username: "scientist:\{\{SessionName\}\}"\n/;
    const plan = await cli('plan', '-f', next);
    assert.equal(plan.status, 0, plan.out + plan.err);
    assert.match(plan.out, expected);
    const applied = await cli('apply', '-f', next);
    assert.equal(applied.status, 0, applied.out + applied.err);
    assert.match(applied.out, expected);
    const again = await cli('plan', '--exit-code', '-f', next);
    assert.equal(again.status, 0, again.out + again.err);
  });
});
