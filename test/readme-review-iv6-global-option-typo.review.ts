/**
 * Review `readme`, iv6: README "Run it" says `--endpoint URL` and `--data-dir DIR` may come before the command too,
 * and `gatehouse --help` lists them as the global options. They are read before commander parses the line, so the
 * program itself does not know them: a slip in one, `gatehouse --endpiont http://gh:8470 whoami`, said
 * `error: unknown option '--endpiont'` without the `(Did you mean --endpoint?)` commander gives for every other option
 * (`gatehouse whoami --endpiont …` has it), and the option given without its value, `gatehouse --endpoint` (a shell
 * variable unset: `gatehouse --endpoint $GH whoami` reads `whoami` as the URL and then has no command, but
 * `gatehouse --data-dir` alone), said `unknown option '--endpoint'` of the option the help lists. Now a leading
 * unknown option gets a suggestion among the global options and the program's own, and a global option without its
 * value is said to miss it, as commander says it of a command's option; exit 2 as before. The CLI in process; none of
 * these reaches a server.
 * Before the fix 2 of 4 tests failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const ENV = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/nonexistent', AWS_MAX_ATTEMPTS: '1' };
const cli = (args: readonly string[]) => gatehouseInProcess(args, ENV);

test('iv6: a slip in a global option before the command is named with the option meant', async () => {
  for (const [args, typed, meant] of [
    [['--endpiont', 'http://127.0.0.1:1', 'whoami'], '--endpiont', '--endpoint'],
    [['--data-dri', '/tmp', 'iam', 'users', 'list'], '--data-dri', '--data-dir'],
    [['--verison'], '--verison', '--version'],
  ] as const) {
    const r = await cli(args);
    assert.equal(r.code, EXIT.usage, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr, `error: unknown option '${typed}'\n(Did you mean ${meant}?)\n(add --help for usage)\n`, args.join(' '));
  }
});

test('iv6: a global option without its value is said to miss it', async () => {
  for (const [flag, value] of [['--endpoint', '<url>'], ['--data-dir', '<dir>']] as const) {
    const r = await cli([flag]);
    assert.equal(r.code, EXIT.usage, r.stderr);
    assert.equal(r.stderr, `error: option '${flag} ${value}' argument missing\n(add --help for usage)\n`);
  }
});

test('iv6: an option like none is unknown, with no suggestion', async () => {
  const r = await cli(['--frobnicate', 'whoami']);
  assert.equal(r.code, EXIT.usage);
  assert.equal(r.stderr, "error: unknown option '--frobnicate'\n(add --help for usage)\n");
});

test('iv6: the global options given right still reach the command', async () => {
  const r = await cli(['--endpoint', 'http://127.0.0.1:1', '--data-dir', '/nonexistent/.gatehouse', 'whoami']);
  // No credentials in /nonexistent: the command ran, with the data dir given.
  assert.equal(r.code, EXIT.accessDenied, r.stderr);
  assert.match(r.stderr, /NoCredentials: .*`\/nonexistent\/\.gatehouse`/);
});
