/**
 * Review jw, 3: a custom role (`kind: IamRole`) with no permissions (`permissions: []`) was accepted and stored: a role
 * that grants nothing, bound as if it granted something, and a file that narrowed a role to nothing (every permission
 * removed) went through silently. GCP's custom roles are there to grant permissions; /work/shared/reference says nothing
 * of an empty one, so Gatehouse refuses it at least, naming the role, as it refuses a permission it does not know
 * (every one is named, with its place in the list). A role that still has one permission is kept.
 * The real CLI in process against a real server on 127.0.0.1 (SQLite).
 *
 * Before the fix 2 of 3 tests failed.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';

const role = (permissions: string): string => `apiVersion: gatehouse.dev/v1
kind: IamRole
metadata: {name: reader}
spec:
  title: Reader
  permissions: [${permissions}]
`;

describe('review jw3: a custom role narrowed to nothing is refused', () => {
  const ws = applyWorkspace('jw3');
  const { cli, file } = ws;
  before(async () => {
    const applied = await cli('apply', '-f', await file('first.yaml', role('ml.models.get, ml.models.list')));
    assert.equal(applied.status, 0, applied.out + applied.err);
  });

  it('an empty permission list is refused, naming the role, and the stored role is kept', async () => {
    const r = await cli('apply', '-f', await file('empty.yaml', role('')));
    assert.notEqual(r.status, 0, r.out + r.err);
    assert.match(r.err, /\(IamRole reader\)/, r.err);
    assert.match(r.err, /spec\.permissions/, r.err);
    assert.match(r.err, /no permissions/, r.err);
    const plan = await cli('plan', '--exit-code', '-f', await file('kept.yaml', role('ml.models.get, ml.models.list')));
    assert.equal(plan.status, 0, `the stored role is unchanged: ${plan.out}${plan.err}`);
  });

  it('a new role with no permissions is refused too', async () => {
    const r = await cli('plan', '-f', await file('new.yaml', role('').replace('name: reader', 'name: nothing')));
    assert.notEqual(r.status, 0, r.out + r.err);
    assert.match(r.err, /\(IamRole nothing\)/, r.err);
    assert.match(r.err, /no permissions/, r.err);
  });

  it('permissions that are all unknown are refused, each named', async () => {
    const r = await cli('plan', '-f', await file('unknown.yaml', role('tables.rows.read, ml.models.frobnicate')));
    assert.notEqual(r.status, 0, r.out + r.err);
    assert.match(r.err, /\(IamRole reader\)/, r.err);
    assert.match(r.err, /spec\.permissions\[0\].*`tables\.rows\.read`/, r.err);
    assert.match(r.err, /spec\.permissions\[1\].*`ml\.models\.frobnicate`/, r.err);
  });
});
