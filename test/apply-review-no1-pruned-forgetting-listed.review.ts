/**
 * Review no, finding 1: `apply --prune` listed the workspaces, cluster mappings, trust policies, resource policies and IAM
 * policies that a pruned user or group leaves as `~ update Workspace/vision (members)`, with nothing under the line.
 * docs/documents.md: under an update a plan lists "what changes in each field, as `terraform plan` shows it: inside a
 * policy document (`document`, `trustPolicy`…) at its JSON path; … each workspace member", and the objects a pruned
 * user, group or role leaves are listed "(`~ update Workspace/vision (members)`), as deleting it through the IAM API
 * does" (review eo, 1). A reviewer of the prune could not tell which member, which node mapping rule (a grant of a node
 * role) or which principal of a trust policy went, though the same change made by the object's own document is listed
 * (review md, 1) and a pruned group's members say which group they lose (review ms, 4). Now each is listed under its
 * update (`- members[1]: {"user":"bob"}`, `- mappings[0]: {…}`, `~ trustPolicy.Statement[0].Principal.AWS: ARN → id`,
 * `- bindings[roles/ml.developer]: "user:bob"` with the `deleted:user:bob?uid=…` member it becomes; for a pruned
 * custom role, each member of its bindings, review gf, 1),
 * by `plan` and by `apply` alike. The real CLI against a real server.
 * Before the fix 3 of 3 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';

const doc = (kind: string, name: string, spec: string): string => `apiVersion: gatehouse.dev/v1\nkind: ${kind}\nmetadata: {name: ${name}}\nspec: ${spec}\n`;
const NODE_TRUST = '{Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {Service: compute.gatehouse.dev}, Action: "sts:AssumeRole"}]}';
const BOB_TRUST = '{Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {AWS: "arn:aws:iam::000000000000:user/bob"}, Action: "sts:AssumeRole"}]}';

describe('review no1: what a pruned user or group leaves is listed under each update', () => {
  const { cli, file } = applyWorkspace('no1');

  it('a pruned user: the workspace member, cluster mapping, trust policy principal and binding member it leaves', async () => {
    const setup = await cli(
      'apply',
      '-f',
      await file('u1.yaml', [doc('User', 'alice', '{}'), doc('User', 'bob', '{}')].join('---\n')),
      '-f',
      await file(
        'o1.yaml',
        [
          doc('Role', 'node', `{trustPolicy: ${NODE_TRUST}}`),
          doc('Role', 'gpu', `{trustPolicy: ${NODE_TRUST}}`),
          doc('Role', 'bob-admin', `{trustPolicy: ${BOB_TRUST}}`),
          doc('Workspace', 'vision', '{members: [{user: alice}, {user: bob}]}'),
          doc('Cluster', 'c1', '{instanceRole: node, mappings: [{user: bob, role: gpu}, {user: alice, role: node}]}'),
          doc('IamPolicy', 'vision-devs', '{resource: workspace/vision, bindings: [{role: roles/ml.developer, members: ["user:alice", "user:bob"]}]}'),
        ].join('---\n'),
      ),
    );
    assert.equal(setup.status, 0, setup.out + setup.err);
    const only = await file('u2.yaml', doc('User', 'alice', '{}'));
    for (const command of ['plan', 'apply']) {
      const r = await cli(command, '--prune', '-f', only);
      assert.equal(r.status, 0, r.out + r.err);
      assert.match(r.out, /- delete User\/bob\n/);
      assert.match(r.out, /~ update Workspace\/vision \(members\)\n {6}- members\[1\]: \{"user":"bob"\}\n/, command);
      assert.match(r.out, /~ update Cluster\/c1 \(mappings\)\n {6}- mappings\[0\]: \{"user":"bob","role":"gpu"\}\n/, command);
      assert.match(r.out, /~ update Role\/bob-admin \(trustPolicy\)\n {6}~ trustPolicy\.Statement\[0\]\.Principal\.AWS: "arn:aws:iam::000000000000:user\/bob" → "AIDA[A-Z0-9]+"\n/, command);
      assert.match(r.out, /~ update IamPolicy\/vision-devs \(bindings\)\n {6}- bindings\[roles\/ml\.developer\]: "user:bob"\n {6}\+ bindings\[roles\/ml\.developer\]: "deleted:user:bob\?uid=AIDA[A-Z0-9]+"\n/, command);
      assert.doesNotMatch(r.out, /members\[0\]|mappings\[1\]|user:alice/, command);
    }
  });

  it('a pruned group: the workspace member it leaves', async () => {
    const setup = await cli('apply', '-f', await file('g1.yaml', [doc('Group', 'admins', '{}'), doc('Group', 'readers', '{}')].join('---\n')), '-f', await file('w1.yaml', doc('Workspace', 'nlp', '{members: [{group: readers}, {group: admins}]}')));
    assert.equal(setup.status, 0, setup.out + setup.err);
    const plan = await cli('plan', '--prune', '-f', await file('g2.yaml', doc('Group', 'readers', '{}')));
    assert.equal(plan.status, 0, plan.out + plan.err);
    assert.match(plan.out, /~ update Workspace\/nlp \(members\)\n {6}- members\[0\]: \{"group":"admins"\}\n/);
  });

  it('a pruned custom role: the members of its bindings each IAM policy loses', async () => {
    const roles = (...names: string[]): string => names.map((n) => doc('IamRole', n, '{permissions: [ml.models.predict]}')).join('---\n');
    const binding = (role: string): string => `{role: accounts/000000000000/roles/${role}, members: ["user:carol"]}`;
    const setup = await cli('apply', '-f', await file('u3.yaml', doc('User', 'carol', '{}')), '-f', await file('c1.yaml', roles('predictor', 'keeper')), '-f', await file('p3.yaml', doc('IamPolicy', 'on-account', `{resource: account/000000000000, bindings: [${binding('predictor')}, ${binding('keeper')}]}`)));
    assert.equal(setup.status, 0, setup.out + setup.err);
    const plan = await cli('plan', '--prune', '-f', await file('c2.yaml', roles('keeper')));
    assert.equal(plan.status, 0, plan.out + plan.err);
    assert.match(plan.out, /~ update IamPolicy\/on-account \(bindings\)\n {6}- bindings\[accounts\/000000000000\/roles\/predictor\]: "user:carol"\n/);
    assert.doesNotMatch(plan.out, /roles\/keeper\]/);
  });
});
