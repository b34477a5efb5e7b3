/**
 * Review jl, 3: `gatehouse plan` of an IamPolicy whose condition's expression changed, under the same title, listed the
 * binding's members as lost and gained under one and the same path —
 * `- bindings[roles/ml.viewer if until-2030]: user:bob` then `+ bindings[roles/ml.viewer if until-2030]: user:bob` —
 * and not the expression: a reviewer read a no-op where the grant changed (`2030` → `2099`, or a narrowing condition
 * dropped for `true`). The bindings were keyed by role and expression, and shown by role and title. Now a binding of
 * one role and title on both sides is one binding: its expression's change is listed at its path
 * (`~ bindings[roles/ml.viewer if until-2030].condition.expression: "…" → "…"`), and its members only as they change.
 * The real CLI in process against a real server on 127.0.0.1 (SQLite).
 *
 * Before the fix 1 of 1 tests failed.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';

const files = (until: string, members: string): string => `apiVersion: gatehouse.dev/v1
kind: User
metadata: {name: bob}
spec: {}
---
apiVersion: gatehouse.dev/v1
kind: User
metadata: {name: eve}
spec: {}
---
apiVersion: gatehouse.dev/v1
kind: IamPolicy
metadata: {name: viewers}
spec:
  resource: account/000000000000
  bindings:
  - role: roles/ml.viewer
    members: [${members}]
    condition: {expression: 'request.time < timestamp("${until}-01-01T00:00:00Z")', title: until-2030}
`;

describe('review jl3: a condition expression changed under its title is listed under the update', () => {
  const ws = applyWorkspace('jl3');
  const { cli, file } = ws;
  before(async () => {
    const applied = await cli('apply', '-f', await file('first.yaml', files('2030', 'user:bob')));
    assert.equal(applied.status, 0, applied.out + applied.err);
  });

  it('the expression is shown changed, and only the members that change', async () => {
    const changed = await cli('plan', '--exit-code', '-f', await file('changed.yaml', files('2099', 'user:bob, user:eve')));
    assert.equal(changed.status, 1, changed.out + changed.err);
    assert.match(changed.out, /~ bindings\[roles\/ml\.viewer if until-2030\]\.condition\.expression: "request\.time < timestamp\(\\"2030-01-01T00:00:00Z\\"\)" → "request\.time < timestamp\(\\"2099-01-01T00:00:00Z\\"\)"\n/);
    assert.match(changed.out, /\+ bindings\[roles\/ml\.viewer if until-2030\]: "user:eve"\n/);
    assert.doesNotMatch(changed.out, /user:bob/, 'bob keeps the binding: nothing of his changes');
  });
});
