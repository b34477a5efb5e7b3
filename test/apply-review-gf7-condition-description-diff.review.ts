/**
 * Review gf, finding 7: `gatehouse plan` lists under an IamPolicy's update what changes in its bindings (review fp, 2:
 * each member gained or lost, under `bindings[<role> if <title>]`), but a change of a condition's `description` alone
 * was planned and applied as `~ update IamPolicy/<name> (bindings)` with nothing under it: a reviewer of the plan could
 * not tell what the update was, and could not tell it from a change of members that failed to print. Now the change is
 * listed at its path (`~ bindings[roles/ml.viewer if t].condition.description: "d" → "e"`, `+` when added, `-` when
 * removed). The real CLI in process against a real server on 127.0.0.1 (SQLite).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { applyWorkspace } from './support/apply-files.ts';

const files = (condition: string): string => `apiVersion: gatehouse.dev/v1
kind: User
metadata: {name: bob}
spec: {}
---
apiVersion: gatehouse.dev/v1
kind: IamPolicy
metadata: {name: viewers}
spec:
  resource: account/000000000000
  bindings:
  - role: roles/ml.viewer
    members: [user:bob]
    condition: {expression: 'request.time < timestamp("2030-01-01T00:00:00Z")', title: until-2030${condition}}
`;

describe('review gf7: a condition description changed alone is listed under the update', () => {
  const ws = applyWorkspace('gf7');
  const { cli, file } = ws;
  before(async () => {
    const applied = await cli('apply', '-f', await file('first.yaml', files(', description: for the audit')));
    assert.equal(applied.status, 0, applied.out + applied.err);
  });

  it('changed, removed: each listed at its path, in plan and apply', async () => {
    const changed = await cli('plan', '--exit-code', '-f', await file('changed.yaml', files(', description: for the 2026 audit')));
    assert.equal(changed.status, 1, changed.out + changed.err);
    assert.match(changed.out, /~ update IamPolicy\/viewers \(bindings\)\n\s+~ bindings\[roles\/ml\.viewer if until-2030\]\.condition\.description: "for the audit" → "for the 2026 audit"\n/);
    const removed = await cli('apply', '-f', await file('removed.yaml', files('')));
    assert.equal(removed.status, 0, removed.out + removed.err);
    assert.match(removed.out, /~ update IamPolicy\/viewers \(bindings\)\n\s+- bindings\[roles\/ml\.viewer if until-2030\]\.condition\.description: "for the audit"\n/);
    const same = await cli('plan', '--exit-code', '-f', join(ws.dir, 'removed.yaml'));
    assert.equal(same.status, 0, same.out + same.err);
  });
});
