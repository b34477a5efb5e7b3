/**
 * Stop 29: `gatehouse plan` exited 0 whether the directory matched the files or not, so a CI job checking for drift
 * (someone changed a policy by hand) had to parse its output. `plan --exit-code` exits 1 when the plan would create,
 * update or delete something and 0 when everything is unchanged, as `git diff --exit-code` and `kubectl diff` do; errors
 * keep their own statuses; without the option plan exits 0 as before, and `apply` has no such option.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const GROUP = (tags: string) => `apiVersion: gatehouse.dev/v1\nkind: Group\nmetadata: {name: auditors}\n${tags}`;

describe('stop 29: plan --exit-code tells drift by its exit status', () => {
  let s: TestServer;
  const file = async (name: string, text: string) => {
    const path = join(s.dataDir, name);
    await writeFile(path, text);
    return path;
  };
  before(async () => {
    s = await startTestServer();
  });
  after(() => s?.stop());

  it('1 while something would change, 0 once nothing would; errors keep their statuses; apply refuses the option', async () => {
    const f = await file('group.yaml', GROUP(''));
    const pending = await cliAgainst(s, ['plan', '--exit-code', '-f', f]);
    // Before: 0, and `--exit-code` was an unknown option (2).
    assert.equal(pending.status, 1, pending.err);
    assert.match(pending.out, /\+ create Group\/auditors/);
    assert.match(pending.out, /plan: 1 to create/);
    const json = await cliAgainst(s, ['plan', '--exit-code', '--json', '-f', f]);
    assert.equal(json.status, 1, json.err);
    assert.equal((JSON.parse(json.out) as { summary: { create: number } }).summary.create, 1);
    assert.equal((await cliAgainst(s, ['plan', '-f', f])).status, 0, 'without the option, plan exits 0 as before');

    assert.equal((await cliAgainst(s, ['apply', '-f', f])).status, 0);
    const same = await cliAgainst(s, ['plan', '--exit-code', '-f', f]);
    assert.equal(same.status, 0, same.out + same.err);
    assert.match(same.out, /= unchanged Group\/auditors|0 to create, 0 to update, 0 to delete, 1 unchanged/);

    const bad = await cliAgainst(s, ['plan', '--exit-code', '-f', await file('bad.yaml', 'apiVersion: gatehouse.dev/v1\nkind: Group\nmetadata: {}\n')]);
    assert.equal(bad.status, 8, bad.err);
    const missing = await cliAgainst(s, ['plan', '--exit-code', '-f', join(s.dataDir, 'absent.yaml')]);
    assert.equal(missing.status, 5, missing.err);
    const apply = await cliAgainst(s, ['apply', '--exit-code', '-f', f]);
    assert.equal(apply.status, 2, apply.err);
    assert.match(apply.err, /unknown option '--exit-code'/);
  });
});
