/**
 * Review gn, 3: a document whose `metadata.name` YAML reads as something other than text was refused with
 * "metadata.name: metadata.name is required", about a name the file gives: `name: 2024` (a workspace named for its
 * year, a number to YAML) or `name: true`. A name YAML reads as a whole number, which it prints back as written, is now
 * that name, as an unquoted `metadata.account` is an account id (review gn, 2), in plan and apply alike; any other
 * value is refused saying what YAML read and to quote it, never that the name is missing.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';

const workspace = (name: string): string => `apiVersion: gatehouse.dev/v1
kind: Workspace
metadata: {name: ${name}}
spec: {members: [{user: admin}]}
`;

describe('gn3: a metadata.name YAML does not read as text', () => {
  const w = applyWorkspace('gn3');

  test('a whole number is the name it reads as, and applying again changes nothing', async () => {
    const f = await w.file('year.yaml', workspace('2024'));
    const plan = await w.cli('plan', '-f', f);
    assert.equal(plan.status, 0, plan.err);
    assert.match(plan.out, /\+ create Workspace\/2024/);
    const applied = await w.cli('apply', '-f', f);
    assert.equal(applied.status, 0, applied.err);
    const again = await w.cli('plan', '--exit-code', '-f', f);
    assert.equal(again.status, 0, again.out + again.err);
    assert.match(again.out, /= unchanged Workspace\/2024/);
  });

  test('another value is refused as what it is, not as missing', async () => {
    for (const [name, read] of [['true', 'the boolean true'], ['[a, b]', 'a list'], ['{a: b}', 'a map']] as const) {
      const r = await w.cli('plan', '-f', await w.file('odd.yaml', workspace(name)));
      assert.equal(r.status, 8, `${name}: ${r.err}`);
      assert.match(r.err, new RegExp(`metadata\\.name: metadata\\.name must be text, got ${read}`), name);
      assert.doesNotMatch(r.err, /is required/, name);
    }
    const missing = await w.cli('plan', '-f', await w.file('none.yaml', 'apiVersion: gatehouse.dev/v1\nkind: Workspace\nmetadata: {}\nspec: {}\n'));
    assert.equal(missing.status, 8, missing.err);
    assert.match(missing.err, /metadata\.name: metadata\.name is required/);
  });
});
