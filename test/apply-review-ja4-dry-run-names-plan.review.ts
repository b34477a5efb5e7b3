/**
 * Review ja, 4: the dry run of `gatehouse apply` is `gatehouse plan`, but a kubectl user types `gatehouse apply
 * --dry-run` (kubectl's `apply --dry-run=client|server`), and was told only `unknown option '--dry-run'` with `(add
 * --help for usage)`, whose help for apply never names plan either: the user was left to guess whether a dry run
 * exists, or to run apply itself to see what it would do. It is still refused (exit 2, nothing sent: a flag meant to
 * make apply harmless must never be dropped while it applies), now saying that `gatehouse plan` takes the same options,
 * and `plan --exit-code` for kubectl diff. Other unknown options keep commander's message.
 * In-process CLI against a real server (SQLite).
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
let file = '';
before(async () => {
  s = await startTestServer();
  file = join(s.dataDir, 'group.yaml');
  await writeFile(file, 'apiVersion: gatehouse.dev/v1\nkind: Group\nmetadata: {name: ja4-dry-run}\n');
});
after(() => s?.stop());

describe('review ja4: apply --dry-run says that plan is the dry run', () => {
  it('refused with exit 2, naming plan, and nothing applied', async () => {
    for (const args of [['apply', '--dry-run', '-f', file], ['apply', '-f', file, '--dry-run=server'], ['apply', '--dry-run=client', '-f', file], ['apply', '--dry-run']]) {
      const r = await cliAgainst(s, args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, /gatehouse apply has no `--dry-run(=\w+)?`: `gatehouse plan` takes the same options and shows what apply would change, changing nothing/, args.join(' '));
      assert.match(r.err, /gatehouse plan --exit-code/);
      assert.equal(r.out, '');
    }
    const plan = await cliAgainst(s, ['plan', '-f', file]);
    assert.equal(plan.status, 0, plan.err);
    assert.match(plan.out, /\+ create Group\/ja4-dry-run/, 'the group was created by an apply --dry-run');
  });

  it('other unknown options keep commander\'s message (unchanged)', async () => {
    const r = await cliAgainst(s, ['apply', '-f', file, '--prnue']);
    assert.equal(r.status, 2);
    assert.match(r.err, /unknown option '--prnue'/);
    assert.match(r.err, /Did you mean --prune\?/);
  });
});
