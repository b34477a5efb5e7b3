/**
 * Review fr, finding 1: a Cluster's `spec.trustedControllers` is a set (the Kubernetes webhook reads it as one, by
 * username), but `gatehouse plan` compared it as a list: the same controllers listed in another order were planned as
 * `~ update Cluster/gpu (trustedControllers)`, and applied as a change, so reformatting a file (sorting its lists, a
 * generator emitting them in another order) showed a drift that was none, and `plan --exit-code` failed a CI check.
 * Now the controllers are compared as the set of their usernames: another order is `= unchanged`, while adding or
 * removing one is still an update. The real CLI in process against a real server on 127.0.0.1 (SQLite).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';

const cluster = (controllers: string): string => `apiVersion: gatehouse.dev/v1
kind: Cluster
metadata: {name: gpu}
spec:
  trustedControllers: ${controllers}
`;

describe('review fr1: the order of a cluster\'s trusted controllers is not a change', () => {
  const { cli, file } = applyWorkspace('fr1');
  before(async () => {
    const first = await file('first.yaml', cluster('[{serviceAccount: "kubeflow:training-operator"}, {username: argo-controller}]'));
    const applied = await cli('apply', '-f', first);
    assert.equal(applied.status, 0, applied.err);
  });

  it('the same controllers in another order: unchanged in plan (exit-code 0) and apply', async () => {
    const swapped = await file('swapped.yaml', cluster('[{username: argo-controller}, {serviceAccount: "kubeflow:training-operator"}]'));
    const plan = await cli('plan', '--exit-code', '-f', swapped);
    assert.equal(plan.status, 0, plan.out + plan.err);
    assert.match(plan.out, /^ {2}= unchanged Cluster\/gpu$/m);
    const applied = await cli('apply', '-f', swapped);
    assert.equal(applied.status, 0, applied.err);
    assert.match(applied.out, /^applied: 0 created, 0 updated, 0 deleted, 1 unchanged$/m);
  });

  it('one controller more or less is still an update', async () => {
    const fewer = await file('fewer.yaml', cluster('[{username: argo-controller}]'));
    const plan = await cli('plan', '--exit-code', '-f', fewer);
    assert.equal(plan.status, 1, plan.out + plan.err);
    assert.match(plan.out, /^ {2}~ update Cluster\/gpu \(trustedControllers\)$/m);
  });
});
