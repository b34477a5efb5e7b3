/**
 * Review od, 2 (cli): the output format given with no command. `gatehouse --help` lists `--output <format>` among
 * the global options that go "before or after the command, as the aws CLI's", and `gatehouse` with no command shows
 * the help (exit 2), as `gatehouse --endpoint URL` with no command does. But the format before no command was handed
 * to the program, which has no such option: `gatehouse --output json` said `option '--output <format>' argument
 * missing` of a value that was given, `gatehouse -o json` and `gatehouse --json` `unknown option`, each as a JSON
 * error; and `gatehouse --output json help` (help asked for) said the value was missing too (exit 2). Now the format
 * is left with no command to take it, as `--endpoint` is: no command shows the help (exit 2), `help` shows it (exit 0);
 * a format given before a command is still that command's (review jc, 4), and `--output` with no value still misses it.
 *
 * The CLI in this process (test/support/gatehouse-cli.ts); nothing is sent to a server.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const ENV = { HOME: '/nonexistent', GATEHOUSE_ENDPOINT: 'http://127.0.0.1:1' };
const cli = (args: readonly string[]) => gatehouseInProcess(args, ENV);

test('od2: the format with no command is the program with no command: its help, exit 2', async () => {
  const bare = await cli([]);
  assert.equal(bare.code, 2);
  assert.match(bare.stderr, /^Usage: gatehouse \[options\] \[command\]\n/);
  for (const args of [['--output', 'json'], ['--output=json'], ['-o', 'json'], ['-ojson'], ['--json'], ['--output', 'table'], ['--endpoint', 'http://127.0.0.1:1', '--output', 'json']]) {
    const r = await cli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.stdout, '', args.join(' '));
    assert.doesNotMatch(r.stderr, /argument missing|unknown option/, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr, bare.stderr, args.join(' '));
  }
});

test('od2: gatehouse --output json help shows the help, exit 0', async () => {
  const help = await cli(['help']);
  assert.equal(help.code, 0, help.stderr);
  for (const args of [['--output', 'json', 'help'], ['-o', 'json', 'help'], ['--json', 'help']]) {
    const r = await cli(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, help.stdout, args.join(' '));
  }
});

test('od2: --output with no value still misses it; a format before a command is still the command\'s', async () => {
  const missing = await cli(['--output']);
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr, "error: option '--output <format>' argument missing\n(add --help for usage)\n");
  // A command with no JSON output refuses the format given before it, as after it (review jc, 4).
  const run = await cli(['--json', 'jobs', 'run', '--workspace', 'w', '--', 'true']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /unknown option '--json'/);
});
