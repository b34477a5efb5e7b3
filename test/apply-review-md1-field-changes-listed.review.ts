/**
 * Review md, finding 1: `gatehouse plan` (and apply's answer) listed what changes inside a policy document under an
 * update (review cq, 4), but an update of any other field said only its name: `~ update User/bob (policies)` for
 * AdministratorAccess attached, `(groups)` for bob put in `admins`, `(permissionsBoundary)` for a boundary taken off,
 * `(tags)`, `(maxSessionDuration)`. The reviewer of a plan could not tell an escalation from a harmless change without
 * reading the store. `terraform plan` lists each changed attribute with its old and new value
 * (developer.hashicorp.com/terraform/cli/commands/plan: "~ update in-place" then each attribute `old -> new`), and
 * `kubectl diff` the whole object. Now each is listed under the update at its field: `+ policies: "arn:…"` for a policy
 * attached, `- policies: …` for one detached, the same for `groups`, `~ permissionsBoundary: A → B` (`+`/`-` when set or
 * removed), `~ maxSessionDuration: 7200 → 3600`, `~ description`, and `tags.KEY` for each tag added, changed or
 * removed. The real CLI in process against a real server on 127.0.0.1 (SQLite).
 * Before the fix 4 of 4 tests failed.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';

const trust = '{Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {Service: training.gatehouse.dev}, Action: "sts:AssumeRole"}]}';
const docs = (o: { userPolicies: string; groups: string; boundary: string; tags: string; max: number; description: string; groupPolicies: string }): string => `apiVersion: gatehouse.dev/v1
kind: Group
metadata: {name: admins}
spec: {policies: ${o.groupPolicies}}
---
apiVersion: gatehouse.dev/v1
kind: User
metadata: {name: bob}
spec:
  policies: ${o.userPolicies}
  groups: ${o.groups}
  tags: ${o.tags}
${o.boundary}
---
apiVersion: gatehouse.dev/v1
kind: Role
metadata: {name: trainer}
spec:
  trustPolicy: ${trust}
  maxSessionDuration: ${o.max}
  description: ${o.description}
  tags: ${o.tags}
`;

const first = { userPolicies: '[ReadOnlyAccess]', groups: '[]', boundary: '  permissionsBoundary: ReadOnlyAccess', tags: '{team: vision, cost: a1}', max: 7200, description: 'trains', groupPolicies: '[]' };

describe('review md1: an update lists what changes in every field, not only inside policy documents', () => {
  const ws = applyWorkspace('md1');
  const { cli, file } = ws;
  before(async () => {
    const applied = await cli('apply', '-f', await file('first.yaml', docs(first)));
    assert.equal(applied.status, 0, applied.out + applied.err);
  });

  it('a user given AdministratorAccess and a group, its boundary taken off: each listed at its field', async () => {
    const escalated = await file('escalated.yaml', docs({ ...first, userPolicies: '[AdministratorAccess]', groups: '[admins]', boundary: '' }));
    const plan = await cli('plan', '-f', escalated);
    assert.equal(plan.status, 0, plan.out + plan.err);
    const block = /~ update User\/bob \(([^)]*)\)\n((?: {6}.*\n)*)/.exec(plan.out);
    assert.ok(block, plan.out);
    assert.equal(block[1], 'groups, policies, permissionsBoundary');
    assert.deepEqual(block[2]!.trim().split('\n').map((l) => l.trim()), [
      '+ groups: "admins"',
      '- policies: "arn:aws:iam::aws:policy/ReadOnlyAccess"',
      '+ policies: "arn:aws:iam::aws:policy/AdministratorAccess"',
      '- permissionsBoundary: "arn:aws:iam::aws:policy/ReadOnlyAccess"',
    ]);
  });

  it('a group given a policy, a role whose session length, description and tags change: listed, in plan and in apply', async () => {
    const changed = await file('changed.yaml', docs({ ...first, groupPolicies: '[ReadOnlyAccess]', tags: '{team: nlp, owner: ml}', max: 3600, description: 'trains models' }));
    const applied = await cli('apply', '-f', changed);
    assert.equal(applied.status, 0, applied.out + applied.err);
    assert.match(applied.out, /~ update Group\/admins \(policies\)\n {6}\+ policies: "arn:aws:iam::aws:policy\/ReadOnlyAccess"\n/);
    assert.match(
      applied.out,
      /~ update Role\/trainer \(maxSessionDuration, description, tags\)\n {6}~ maxSessionDuration: 7200 → 3600\n {6}~ description: "trains" → "trains models"\n {6}- tags\.cost: "a1"\n {6}\+ tags\.owner: "ml"\n {6}~ tags\.team: "vision" → "nlp"\n/,
    );
    const again = await cli('plan', '--exit-code', '-f', changed);
    assert.equal(again.status, 0, again.out + again.err);
    assert.doesNotMatch(again.out, /^ {6}/m);
  });

  it('--json carries the same changes', async () => {
    const plan = await cli('plan', '--json', '-f', await file('boundary.yaml', docs({ ...first, boundary: '  permissionsBoundary: AdministratorAccess', tags: '{team: nlp, owner: ml}' })));
    assert.equal(plan.status, 0, plan.out + plan.err);
    const bob = (JSON.parse(plan.out) as { changes: { kind: string; name: string; diff?: unknown }[] }).changes.find((c) => c.kind === 'User' && c.name === 'bob');
    assert.deepEqual(bob?.diff, [{ op: '~', path: 'permissionsBoundary', before: 'arn:aws:iam::aws:policy/ReadOnlyAccess', after: 'arn:aws:iam::aws:policy/AdministratorAccess' }]);
  });

  it('a workspace given a member and a cluster another instance role: listed at their fields', async () => {
    const kv = (member: string, role: string): string => `apiVersion: gatehouse.dev/v1
kind: User
metadata: {name: carol}
spec: {}
---
apiVersion: gatehouse.dev/v1
kind: Workspace
metadata: {name: vision}
spec: {members: [{user: bob}${member}]}
---
apiVersion: gatehouse.dev/v1
kind: Role
metadata: {name: node}
spec: {trustPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {Service: compute.gatehouse.dev}, Action: "sts:AssumeRole"}]}}
---
apiVersion: gatehouse.dev/v1
kind: Role
metadata: {name: node2}
spec: {trustPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {Service: compute.gatehouse.dev}, Action: "sts:AssumeRole"}]}}
---
apiVersion: gatehouse.dev/v1
kind: Cluster
metadata: {name: gpu}
spec: {instanceRole: ${role}}
`;
    const applied = await cli('apply', '-f', await file('kv1.yaml', kv('', 'node')));
    assert.equal(applied.status, 0, applied.out + applied.err);
    const plan = await cli('plan', '-f', await file('kv2.yaml', kv(', {user: carol}', 'node2')));
    assert.equal(plan.status, 0, plan.out + plan.err);
    assert.match(plan.out, /~ update Workspace\/vision \(members\)\n {6}\+ members\[1\]: \{"user":"carol"\}\n/);
    assert.match(plan.out, /~ update Cluster\/gpu \(instanceRole\)\n {6}~ instanceRole: "node" → "node2"\n/);
  });
});
