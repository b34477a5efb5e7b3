/**
 * Policy review qx, 6: a YAML policy file holding a second document (`---`) is refused in the user's terms.
 * Before the fix 2 of 2 tests failed.
 *
 * `policy validate` and `policy evaluate` read a `.yaml` policy file as one document; one with a second (two policies
 * pasted into one file, a `---` left from a Kubernetes manifest) was refused with the `yaml` package's words to its
 * programmer: `yaml: source contains multiple documents; please use YAML.parseAllDocuments() [POLICY_JSON_SYNTAX]`,
 * advice to call a JavaScript function, which the user cannot take. Now the error, still at the `---` that starts the
 * second document and with the same code and exit status (3), says that a policy file holds one document and to put
 * each in its own file. The CLI in process, offline, on a file and on standard input.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const ENV = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/nonexistent' };
const TWO = ['Version: "2012-10-17"', 'Statement:', '  - Effect: Allow', '    Action: s3:GetObject', '    Resource: "*"', '---', 'Version: "2012-10-17"', 'Statement:', '  - Effect: Deny', '    Action: s3:GetObject', '    Resource: "*"', ''].join('\n');
const SAID = /:6:1: yaml: the file holds more than one YAML document \(a `---` line starts another\): a policy file holds one policy document; put each in its own file \[POLICY_JSON_SYNTAX\]\n/;
let dir = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-qx6-'));
  await writeFile(join(dir, 'two.yaml'), TWO);
});
after(async () => rm(dir, { recursive: true, force: true }));

describe('a YAML policy file with a second document (review qx, 6)', () => {
  it('policy validate says a policy file holds one document, at the second one\'s `---`, exit 3', async () => {
    const file = await gatehouseInProcess(['policy', 'validate', join(dir, 'two.yaml')], ENV);
    assert.equal(file.code, EXIT.invalidPolicy, file.stdout + file.stderr);
    assert.match(file.stdout, SAID);
    assert.doesNotMatch(file.stdout, /parseAllDocuments/);
    const stdin = await gatehouseInProcess(['policy', 'validate', '-'], ENV, { stdin: TWO });
    assert.equal(stdin.code, EXIT.invalidPolicy, stdin.stdout + stdin.stderr);
    assert.match(stdin.stdout, /^-/);
    assert.match(stdin.stdout, SAID);
  });

  it('policy evaluate alike', async () => {
    const r = await gatehouseInProcess(['policy', 'evaluate', '--policy', join(dir, 'two.yaml'), '--principal', 'arn:aws:iam::111122223333:user/alice', '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::b/k'], ENV);
    assert.equal(r.code, EXIT.invalidPolicy, r.stdout + r.stderr);
    assert.match(r.stderr, SAID);
    assert.doesNotMatch(r.stderr, /parseAllDocuments/);
  });
});
