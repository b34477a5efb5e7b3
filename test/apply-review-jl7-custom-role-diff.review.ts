/**
 * Review jl, 7: `gatehouse plan` of a changed custom role (`kind: IamRole`) said `~ update IamRole/<id> (permissions)`
 * and nothing under it, where an IamPolicy's update lists each member gained or lost (reviews fp, 2; gf, 7). A custom
 * role's permissions are what every binding of it grants, in every policy of the account: a reviewer of the plan could
 * not tell `ml.models.get` → `ml.models.delete` from a reordering, nor see a new title. Now each permission gained or
 * lost is listed (`+ permissions: "ml.models.delete"`, `- permissions: "ml.models.get"`), and a title or description
 * changed, added or removed at its path.
 * The real CLI in process against a real server on 127.0.0.1 (SQLite).
 *
 * Before the fix 1 of 1 tests failed.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';

const role = (permissions: string, title: string): string => `apiVersion: gatehouse.dev/v1
kind: IamRole
metadata: {name: reader}
spec:
  title: ${title}
  permissions: [${permissions}]
`;

describe('review jl7: a custom role’s update lists what changes in it', () => {
  const ws = applyWorkspace('jl7');
  const { cli, file } = ws;
  before(async () => {
    const applied = await cli('apply', '-f', await file('first.yaml', role('ml.models.get, ml.models.list', 'Reader')));
    assert.equal(applied.status, 0, applied.out + applied.err);
  });

  it('permissions gained and lost, and the title, each at its path', async () => {
    const changed = await cli('plan', '--exit-code', '-f', await file('changed.yaml', role('ml.models.list, ml.models.delete', 'Model reader')));
    assert.equal(changed.status, 1, changed.out + changed.err);
    assert.match(changed.out, /~ update IamRole\/reader \(permissions, title\)\n/);
    assert.match(changed.out, /\+ permissions: "ml\.models\.delete"\n/);
    assert.match(changed.out, /- permissions: "ml\.models\.get"\n/);
    assert.match(changed.out, /~ title: "Reader" → "Model reader"\n/);
    assert.doesNotMatch(changed.out, /ml\.models\.list/, 'a permission kept is not listed');
  });
});
