/**
 * Review fr, finding 4: a managed policy listed twice in a Group's, User's or Role's `policies`, once by name and once
 * by ARN (`[ReadOnlyAccess, arn:aws:iam::aws:policy/ReadOnlyAccess]`, or a policy of the files and its ARN), was
 * accepted (the same name twice is refused as `listed twice`), attached once, and planned as
 * `~ update Group/readers (policies)` by every plan and apply after: the store could never match the list, so
 * `apply` twice was never a no-op and `plan --exit-code` always reported drift. Now the second spelling is refused
 * with the first's path and the ARN both name, and nothing changes. The real CLI in process against a real server on
 * 127.0.0.1 (SQLite).
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
const group = (policies: string): string => `${POLICY}apiVersion: gatehouse.dev/v1\nkind: Group\nmetadata: {name: readers}\nspec: {policies: ${policies}}\n`;

describe('review fr4: one managed policy by name and by ARN is listed twice', () => {
  const { cli, file } = applyWorkspace('fr4');
  before(async () => {
    const applied = await cli('apply', '-f', await file('start.yaml', group('[ReadOnlyAccess]')));
    assert.equal(applied.status, 0, applied.err);
  });

  it('a built-in policy by name and ARN: refused at the second, nothing changes', async () => {
    const f = await file('builtin.yaml', group('[ReadOnlyAccess, "arn:aws:iam::aws:policy/ReadOnlyAccess"]'));
    const apply = await cli('apply', '-f', f);
    assert.equal(apply.status, 8, apply.out + apply.err);
    assert.match(apply.err, /builtin\.yaml:\d+:\d+: document 2 \(Group readers\): spec\.policies\[1\]: `arn:aws:iam::aws:policy\/ReadOnlyAccess` is `ReadOnlyAccess` \(spec\.policies\[0\]\), arn:aws:iam::aws:policy\/ReadOnlyAccess: listed twice \[VALIDATION_ERROR\]/);
    const plan = await cli('plan', '--exit-code', '-f', await file('same.yaml', group('[ReadOnlyAccess]')));
    assert.equal(plan.status, 0, plan.out + plan.err);
  });

  it('a policy of the files by name and by its ARN: refused too', async () => {
    const f = await file('own.yaml', group('["arn:aws:iam::000000000000:policy/data-read", data-read]'));
    const plan = await cli('plan', '-f', f);
    assert.equal(plan.status, 8, plan.out + plan.err);
    assert.match(plan.err, /spec\.policies\[1\]: `data-read` is `arn:aws:iam::000000000000:policy\/data-read` \(spec\.policies\[0\]\)/);
  });

  it('each policy once, by either spelling: applied, and applied again nothing changes', async () => {
    const f = await file('once.yaml', group('["arn:aws:iam::aws:policy/ReadOnlyAccess", data-read]'));
    const apply = await cli('apply', '-f', f);
    assert.equal(apply.status, 0, apply.out + apply.err);
    const again = await cli('plan', '--exit-code', '-f', f);
    assert.equal(again.status, 0, again.out + again.err);
  });
});
