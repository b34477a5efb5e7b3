/**
 * `--json` with `-o table` or `-o text` (review cli, H15): two formats asked for, and one dropped without a word (the
 * JSON printed, exit 0). Now a usage error, exit 2, before anything is sent; `-o json --json` says the same thing
 * twice and is fine. In-process: the CLI's own parsing, against a closed port (nothing is sent on a usage error).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../src/adapters/cli/index.ts';

async function cli(argv: readonly string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const env = { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', GATEHOUSE_ENDPOINT: 'http://127.0.0.1:9' };
  const status = await runCli(argv, { out: (t) => void (out += t), err: (t) => void (err += t), readFile: async () => '', now: () => 0, version: '0.0.0', env });
  return { status, out, err };
}

describe('--json and -o together', () => {
  it('--json -o table / -o text: exit 2, saying both were asked for', async () => {
    for (const argv of [['whoami', '--json', '-o', 'table'], ['iam', 'users', 'list', '-o', 'text', '--json']]) {
      const r = await cli(argv);
      assert.equal(r.status, 2, argv.join(' '));
      assert.equal(r.out, '');
      assert.match(r.err, /--json and -o (table|text) are two formats; give one/);
    }
  });

  it('-o json --json: one format, said twice; the command runs (here: the closed port, exit 10, as JSON)', async () => {
    const r = await cli(['whoami', '-o', 'json', '--json']);
    assert.equal(r.status, 10, r.err);
    assert.match(r.err, /"code": "ConnectionFailed"/);
  });
});
