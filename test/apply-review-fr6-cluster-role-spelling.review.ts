/**
 * Review fr, finding 6: a Cluster names its roles by name or by ARN (`instanceRole`, `computeConfigs.*.instanceRole`,
 * `mappings[].role`) and its mapped users and groups in any case; a node gets the same role either way (it is found by
 * name, whatever the case). But plan compared the text: `instanceRole: node` applied, then the same file with
 * `arn:aws:iam::000000000000:role/node` (as a Terraform output or another tool writes it) was planned and applied as
 * `~ update Cluster/gpu (instanceRole)`, and so was `{group: ML}` for `{group: ml}`: a drift that was none, which
 * `plan --exit-code` reported. Now the references are compared as the role and principal they name: another spelling
 * is `= unchanged`; another role is still an update. The real CLI in process against a real server on 127.0.0.1
 * (SQLite).
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
const cluster = (instanceRole: string, big: string, mapping: string): string =>
  `${role('node')}${role('node-large')}apiVersion: gatehouse.dev/v1
kind: Group
metadata: {name: ml}
spec: {}
---
apiVersion: gatehouse.dev/v1
kind: Cluster
metadata: {name: gpu}
spec:
  instanceRole: ${instanceRole}
  computeConfigs: {big: {instanceRole: ${big}}}
  mappings: [${mapping}]
`;

describe('review fr6: a cluster\'s role by name or ARN is the same role', () => {
  const { cli, file } = applyWorkspace('fr6');
  before(async () => {
    const applied = await cli('apply', '-f', await file('names.yaml', cluster('node', 'node-large', '{group: ml, role: node-large}')));
    assert.equal(applied.status, 0, applied.err);
  });

  it('ARNs for names, another case: unchanged in plan (exit-code 0) and apply', async () => {
    const f = await file('arns.yaml', cluster('"arn:aws:iam::000000000000:role/node"', 'Node-Large', '{group: ML, role: "arn:aws:iam::000000000000:role/node-large"}'));
    const plan = await cli('plan', '--exit-code', '-f', f);
    assert.equal(plan.status, 0, plan.out + plan.err);
    assert.match(plan.out, /^ {2}= unchanged Cluster\/gpu$/m);
    const applied = await cli('apply', '-f', f);
    assert.equal(applied.status, 0, applied.err);
    assert.match(applied.out, /^applied: 0 created, 0 updated, 0 deleted, 4 unchanged$/m);
  });

  it('another role is still an update', async () => {
    const f = await file('other.yaml', cluster('node-large', 'node-large', '{group: ml, role: node}'));
    const plan = await cli('plan', '--exit-code', '-f', f);
    assert.equal(plan.status, 1, plan.out + plan.err);
    assert.match(plan.out, /^ {2}~ update Cluster\/gpu \(instanceRole, mappings\)$/m);
  });
});
