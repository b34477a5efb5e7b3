/**
 * `gatehouse help iam users` (review cli, H11): commander's help command takes one word, so it showed the help of
 * `iam`, and `gatehouse help nosuch` printed the whole help on stderr, exit 2, without saying why. Now `help A B` is
 * `A B --help`, and a word that names no command is said (`unknown command 'nosuch'`), as `gatehouse nosuch` says it.
 * In-process: the CLI's own parsing, no server.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../src/adapters/cli/index.ts';

async function cli(argv: readonly string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const status = await runCli(argv, { out: (t) => void (out += t), err: (t) => void (err += t), readFile: async () => '', now: () => 0, version: '0.0.0', env: {} });
  return { status, out, err };
}

describe('gatehouse help COMMAND…', () => {
  it('help of a command of two or three words is that command\'s, on stdout, exit 0', async () => {
    for (const [argv, usage] of [
      [['help', 'iam', 'users'], 'Usage: gatehouse iam users [options] [command]'],
      [['help', 'iam', 'users', 'create'], 'Usage: gatehouse iam users create [options] <name>'],
      [['help', 'audit', 'query'], 'Usage: gatehouse audit query [options]'],
      [['help', 'whoami'], 'Usage: gatehouse whoami [options]'],
    ] as const) {
      const r = await cli(argv);
      assert.equal(r.status, 0, `${argv.join(' ')}: ${r.err}`);
      assert.equal(r.out.split('\n')[0], usage, argv.join(' '));
    }
  });

  it('a word that names no command is said, exit 2', async () => {
    for (const argv of [['help', 'nosuch'], ['help', 'iam', 'nosuch']]) {
      const r = await cli(argv);
      assert.equal(r.status, 2, argv.join(' '));
      assert.match(r.err, /^error: unknown command 'nosuch'/, argv.join(' '));
    }
  });

  it('help alone is the whole help, exit 0', async () => {
    const r = await cli(['help']);
    assert.equal(r.status, 0);
    assert.match(r.out, /^Usage: gatehouse \[options\] \[command\]/);
  });
});
