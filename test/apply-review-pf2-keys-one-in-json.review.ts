/**
 * Review pf, finding 2: the CLI's YAML readers refuse a key given twice (src/adapters/cli/yaml.ts, `uniqueKeys`; as
 * kubectl's strict reader refuses a duplicate field), but compared keys by their YAML value, so `2024` (the number) and
 * `"2024"` (the text), or `true` and `"true"`, were two keys, and the document sent as JSON, where both are the key
 * "2024", kept the last: `tags: {2024: q1, "2024": q2}` was applied with the one tag `2024: q2`, and of two inline
 * policies `1:` and `"1":` one was dropped without a word, in `apply`, `plan` and every YAML policy file. Keys are now
 * one when JSON holds them as one (RFC 8259 §4: names are strings; YAML 1.2 §3.2.1.1 requires a mapping's keys to be
 * unique), refused at the second, nothing sent (exit 8); keys that differ as text are still two. The real CLI against a
 * real server on 127.0.0.1.
 * Before the fix 3 of 4 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';

const ALLOW = '{Version: "2012-10-17", Statement: [{Effect: Allow, Action: "s3:GetObject", Resource: "*"}]}';

describe('review pf2: keys that are one key in JSON are refused as a key given twice', () => {
  const { cli, file } = applyWorkspace('pf2');

  it('a number and its text as tag keys: refused at the second, nothing applied', async () => {
    const f = await file('tags.yaml', `apiVersion: gatehouse.dev/v1\nkind: User\nmetadata: {name: u1}\nspec:\n  tags:\n    2024: q1\n    "2024": q2\n`);
    for (const command of ['plan', 'apply']) {
      const r = await cli(command, '-f', f);
      assert.equal(r.status, 8, r.out + r.err);
      assert.match(r.err, /tags\.yaml:7:5: document 1: yaml: map keys must be unique/);
      assert.match(r.err, /nothing was changed/);
    }
  });

  it('a boolean and its text as inline policy names: refused', async () => {
    const f = await file('inline.yaml', `apiVersion: gatehouse.dev/v1\nkind: Group\nmetadata: {name: g1}\nspec:\n  inlinePolicies:\n    true: ${ALLOW}\n    'true': ${ALLOW}\n`);
    const r = await cli('plan', '-f', f);
    assert.equal(r.status, 8, r.out + r.err);
    assert.match(r.err, /inline\.yaml:7:5: document 1: yaml: map keys must be unique/);
  });

  it('a YAML policy file: `1` and `!!str 1` in a condition are one key', async () => {
    const f = await file('p.yaml', `Version: "2012-10-17"\nStatement:\n- Effect: Deny\n  Action: "s3:*"\n  Resource: "*"\n  Condition:\n    StringEquals:\n      1: a\n      !!str 1: b\n`);
    const r = await cli('policy', 'validate', f);
    assert.equal(r.status, 3, r.out + r.err);
    assert.match(r.out + r.err, /p\.yaml:9:13: yaml: map keys must be unique/);
  });

  it('keys that differ as text are two, and the document applies', async () => {
    const f = await file('fine.yaml', `apiVersion: gatehouse.dev/v1\nkind: User\nmetadata: {name: u2}\nspec:\n  tags: {2024: q1, "2025": q2, true: t, "false": f}\n`);
    const r = await cli('apply', '-f', f);
    assert.equal(r.status, 0, r.out + r.err);
    assert.match(r.out, /\+ create User\/u2\n/);
  });
});
