/**
 * Review `gh` (a new user follows the README's tour), 3: §1's `policy validate` on a file of another kind.
 *
 * §1 validates `examples/policies/training-trust.json` with `--kind trust`. Left out (identity is the default), the
 * same command refused the example's own trust policy with `statement needs Resource or NotResource` and
 * `Principal is not allowed in an identity-based policy`, exit 3, and nothing said that the file was fine and the
 * grammar was the wrong one: the user went looking for a fault in the file. Likewise the bucket policy
 * `checkpoints-bucket-policy.json`, and an identity policy given `--kind trust` or `--kind resource` (`needs a
 * Principal`). The errors stay as they were (stdout, exit 3); stderr now says which grammar the file was checked as
 * and which `--kind` its kind takes. A valid file, or one whose errors have nothing to do with its kind
 * (`broken.json`), gets no such word. The CLI run in process, offline, on the repository's examples.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const ENV = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/nonexistent' };
const validate = (...args: string[]) => gatehouseInProcess(['policy', 'validate', ...args], ENV);
const P = 'examples/policies/';

test('gh3: a trust or bucket policy validated as an identity policy says to give --kind trust or resource', async () => {
  for (const file of [`${P}training-trust.json`, `${P}checkpoints-bucket-policy.json`]) {
    const r = await validate(file);
    assert.equal(r.code, EXIT.invalidPolicy, r.stderr);
    assert.match(r.stdout, /POLICY_PRINCIPAL_NOT_ALLOWED/);
    assert.match(r.stderr, new RegExp(`\`${file}\` was checked as an identity policy \\(--kind identity, the default\\)`));
    assert.match(r.stderr, /for a role's trust policy give --kind trust, for a bucket's or another resource's policy --kind resource/);
  }
  assert.equal((await validate('--kind', 'trust', `${P}training-trust.json`)).code, EXIT.ok);
  assert.equal((await validate('--kind', 'resource', `${P}checkpoints-bucket-policy.json`)).code, EXIT.ok);
});

test('gh3: an identity policy validated as a trust or resource policy says to leave --kind out', async () => {
  for (const kind of ['trust', 'resource']) {
    const r = await validate('--kind', kind, `${P}ml-data-reader.json`);
    assert.equal(r.code, EXIT.invalidPolicy, r.stderr);
    assert.match(r.stdout, /POLICY_PRINCIPAL_REQUIRED/);
    assert.match(r.stderr, new RegExp(`was checked as a .* policy \\(--kind ${kind}\\).*leave --kind out \\(identity\\)`));
  }
});

test('gh3: a valid file, or errors of another sort, get no word about --kind', async () => {
  const valid = await validate(`${P}ml-data-reader.json`);
  assert.equal(valid.code, EXIT.ok);
  assert.equal(valid.stderr, '');
  const broken = await validate(`${P}broken.json`);
  assert.equal(broken.code, EXIT.invalidPolicy);
  assert.doesNotMatch(broken.stderr, /--kind/);
});
