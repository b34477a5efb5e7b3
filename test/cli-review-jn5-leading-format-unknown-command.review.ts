/**
 * Review jn, 5. `--json`, `-o json` and `--output FORMAT` may come before the command (review jc, 4); they are moved
 * after the command's name. When the command was mistyped (`gatehouse -o json iam userz list`, `gatehouse --json iam
 * users lst`, `gatehouse --json nosuch`), they were put before the word that named nothing, and commander reported
 * `unknown option '-o'` (or `'--json'`): as if the format were not taken, and without `unknown command 'lst'` and its
 * `(Did you mean list?)`, which the same line with the option after the command gets. Now the options go after that
 * word, and the unknown command is said, with its suggestion (as JSON under --json, review jn, 2); exit status 2 as
 * before. The CLI in this process (test/support/gatehouse-cli.ts); nothing is sent.
 * Before the fix 4 of 5 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

describe('review jn5: a format option before a mistyped command reports the command', () => {
  const cli = (args: readonly string[]) => gatehouseInProcess(args, { HOME: '/nonexistent-jn5', GATEHOUSE_ENDPOINT: 'http://127.0.0.1:1' });
  const jsonError = async (args: readonly string[]) => {
    const r = await cli(args);
    assert.equal(r.code, 2, r.stderr);
    return (JSON.parse(r.stderr) as { error: { code: string; message: string } }).error;
  };

  it('--json before a mistyped subcommand', async () => {
    assert.deepEqual(await jsonError(['--json', 'iam', 'users', 'lst']), { code: 'UnknownCommand', message: "unknown command 'lst' (Did you mean list?)" });
  });

  it('-o json before a mistyped group', async () => {
    assert.deepEqual(await jsonError(['-o', 'json', 'iam', 'userz', 'list']), { code: 'UnknownCommand', message: "unknown command 'userz' (Did you mean users?)" });
  });

  it('--json before a top-level word that is no command', async () => {
    const e = await jsonError(['--json', 'nosuch']);
    assert.equal(e.code, 'UnknownCommand');
    assert.match(e.message, /^unknown command 'nosuch'/);
  });

  it('-o text before a mistyped subcommand: the text error names the command', async () => {
    const r = await cli(['-o', 'text', 'iam', 'users', 'lst']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "error: unknown command 'lst'\n(Did you mean list?)\n(add --help for usage)\n");
  });

  it('a command spelt right still takes the format given before it', async () => {
    const r = await cli(['--json', 'policy', 'validate', '/nonexistent-jn5/p.json']);
    assert.notEqual(r.code, 2, r.stderr);
    assert.doesNotThrow(() => JSON.parse(r.stdout || r.stderr), r.stdout + r.stderr);
  });
});
