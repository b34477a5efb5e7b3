/**
 * Stop 27 (review ak, 1, for `gatehouse policy validate` and every YAML policy file the CLI reads): an unquoted
 * account id in a YAML policy (`aws:ResourceAccount: 012345678901`) is read by YAML as the number 12345678901, so the
 * Deny it guards never matches, and `policy validate` said `valid`. `gatehouse apply` already refused such scalars
 * (commit ddd458c); policy files now do too, at the scalar's line and column, telling to quote it. The CLI's program in
 * this process (test/support/gatehouse-cli.ts), with this process's environment and the repository as working directory.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const ROOT = join(import.meta.dirname, '..');
let dir = '';

function gatehouse(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return gatehouseInProcess(args, process.env, { cwd: ROOT });
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-policy-lossy-'));
});
after(() => rm(dir, { recursive: true, force: true }));

test('an unquoted account id with a leading zero is refused at its line, and quoted it is valid', async () => {
  const text = (id: string) =>
    ['Version: "2012-10-17"', 'Statement:', '  - Effect: Deny', '    Action: "s3:*"', '    Resource: "*"', `    Condition: {StringNotEquals: {aws:ResourceAccount: ${id}}}`, ''].join('\n');
  await writeFile(join(dir, 'lossy.yaml'), text('012345678901'));
  await writeFile(join(dir, 'quoted.yaml'), text("'012345678901'"));
  const bad = await gatehouse('policy', 'validate', join(dir, 'lossy.yaml'));
  assert.equal(bad.code, EXIT.invalidPolicy, bad.stdout + bad.stderr);
  assert.match(bad.stdout + bad.stderr, /lossy\.yaml:6:\d+: .*012345678901.*quote/);
  const good = await gatehouse('policy', 'validate', join(dir, 'quoted.yaml'));
  assert.equal(good.code, 0, good.stdout + good.stderr);
});
