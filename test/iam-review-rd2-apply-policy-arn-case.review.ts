/**
 * Review rd, 2: IAM resolves a managed policy's ARN without regard to case (review rc, 2 made the IAM API do so:
 * AttachGroupPolicy with `arn:aws:iam::aws:policy/readonlyaccess` attaches ReadOnlyAccess), but `gatehouse apply`
 * looked a policy reference given as an ARN up literally: a Group listing `arn:aws:iam::aws:policy/readonlyaccess`, its
 * own account's policy (of the files or stored) by its ARN in another case, was refused NO_SUCH_ENTITY "does not exist
 * in account ..., among the built-in policies, or in the documents applied". Now such a reference names the policy as
 * the IAM API finds it (`visiblePolicy`), is attached as the ARN the policy is stored under (so a plan in the stored
 * spelling after is a no-op), and the same policy by name and by such an ARN is `listed twice`. The real CLI in process
 * against a real server on 127.0.0.1 (SQLite).
 * Before the fix 3 of 3 tests failed.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';

const POLICY = `apiVersion: gatehouse.dev/v1
kind: Policy
metadata: {name: data-read}
spec:
  document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "s3:GetObject", Resource: "*"}]}
---
`;
const group = (name: string, policies: string): string => `apiVersion: gatehouse.dev/v1\nkind: Group\nmetadata: {name: ${name}}\nspec: {policies: ${policies}}\n`;

describe('review rd2: apply finds a policy ARN in another case', () => {
  const { cli, file } = applyWorkspace('rd2');
  before(async () => {
    const applied = await cli('apply', '-f', await file('start.yaml', POLICY + group('start', '[]')));
    assert.equal(applied.status, 0, applied.err);
  });

  it('a built-in policy by its ARN in another case is attached as the stored ARN', async () => {
    const apply = await cli('apply', '-f', await file('builtin.yaml', group('readers', '["arn:aws:iam::aws:policy/readonlyaccess"]')));
    assert.equal(apply.status, 0, apply.out + apply.err);
    const plan = await cli('plan', '--exit-code', '-f', await file('builtin-same.yaml', group('readers', '["arn:aws:iam::aws:policy/ReadOnlyAccess"]')));
    assert.equal(plan.status, 0, plan.out + plan.err);
  });

  it('a policy of the files by its ARN in another case is attached as its ARN', async () => {
    const apply = await cli('apply', '-f', await file('own.yaml', POLICY + group('own', '["arn:aws:iam::000000000000:policy/DATA-READ"]')));
    assert.equal(apply.status, 0, apply.out + apply.err);
    const plan = await cli('plan', '--exit-code', '-f', await file('own-same.yaml', POLICY + group('own', '[data-read]')));
    assert.equal(plan.status, 0, plan.out + plan.err);
  });

  it('a stored policy by its ARN in another case: attached; with its name too, listed twice', async () => {
    const apply = await cli('apply', '-f', await file('stored.yaml', group('stored', '["arn:aws:iam::000000000000:policy/Data-Read"]')));
    assert.equal(apply.status, 0, apply.out + apply.err);
    const plan = await cli('plan', '--exit-code', '-f', await file('stored-same.yaml', group('stored', '["arn:aws:iam::000000000000:policy/data-read"]')));
    assert.equal(plan.status, 0, plan.out + plan.err);
    const twice = await cli('plan', '-f', await file('twice.yaml', group('stored', '[data-read, "arn:aws:iam::000000000000:policy/DATA-read"]')));
    assert.equal(twice.status, 8, twice.out + twice.err);
    assert.match(twice.err, /spec\.policies\[1\]: `arn:aws:iam::000000000000:policy\/DATA-read` is `data-read` \(spec\.policies\[0\]\), arn:aws:iam::000000000000:policy\/data-read: listed twice/);
  });
});
