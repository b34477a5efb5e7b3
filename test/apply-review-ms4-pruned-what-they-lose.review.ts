/**
 * Review ms, finding 4: `apply --prune` lists each user a pruned group is taken from (review hh, 2) and each principal a pruned managed policy is detached from (review Z, 4) as `~ update User/bob (groups)` / `(policies)`, with nothing under it.
 * docs/documents.md says that under an update a plan lists "each managed policy attached or detached, each group joined
 * or left" (review md, 1), and so it does when the user's own document drops them; a reviewer of a prune could not tell
 * from bob's line which of his groups or policies went (a prune may delete several). Now `- groups: "NAME"` and
 * `- policies: "ARN"` under it, as for a change of the user's own document. The real CLI against a real server.
 * Before the fix 2 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';

const doc = (kind: string, name: string, spec: string): string => `apiVersion: gatehouse.dev/v1\nkind: ${kind}\nmetadata: {name: ${name}}\nspec: ${spec}\n`;
const POLICY = '{document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "s3:*", Resource: "*"}]}}';

describe('review ms4: a user changed by a prune says which group or policy it loses', () => {
  const { cli, file } = applyWorkspace('ms4');

  it('a pruned group: `- groups: "admins"` under each member', async () => {
    const groups = (...names: string[]): string => names.map((n) => doc('Group', n, '{}')).join('---\n');
    const setup = await cli('apply', '-f', await file('g1.yaml', groups('admins', 'readers')), '-f', await file('u1.yaml', doc('User', 'bob', '{groups: [admins, readers]}')));
    assert.equal(setup.status, 0, setup.out + setup.err);
    const plan = await cli('plan', '--prune', '-f', await file('g2.yaml', groups('readers')));
    assert.equal(plan.status, 0, plan.out + plan.err);
    assert.match(plan.out, /~ update User\/bob \(groups\)\n {6}- groups: "admins"\n/);
    assert.doesNotMatch(plan.out, /- groups: "readers"/);
  });

  it('a pruned managed policy: `- policies: "ARN"` under each principal it was attached to', async () => {
    const setup = await cli('apply', '-f', await file('p1.yaml', `${doc('Policy', 's3-all', POLICY)}---\n${doc('Policy', 's3-keep', POLICY)}`), '-f', await file('u2.yaml', doc('User', 'carl', '{policies: [s3-all, s3-keep]}')));
    assert.equal(setup.status, 0, setup.out + setup.err);
    const plan = await cli('plan', '--prune', '-f', await file('p2.yaml', doc('Policy', 's3-keep', POLICY)));
    assert.equal(plan.status, 0, plan.out + plan.err);
    assert.match(plan.out, /~ update User\/carl \(policies\)\n {6}- policies: "arn:aws:iam::000000000000:policy\/s3-all"\n/);
    assert.doesNotMatch(plan.out, /- policies: "arn:aws:iam::000000000000:policy\/s3-keep"/);
  });
});
