/**
 * Review `gh` (a new user follows the README's commands, and mistypes some), 2: a typo in a required option's name.
 *
 * `gatehouse jobs run --worksapce vision --role default -- true` (README §4 with one slip of the fingers) said
 * `error: required option '--workspace <name>' not specified`, about an option the user had just typed, and never
 * that `--worksapce` is not one: commander checks the required options before the unknown ones, so its
 * `(Did you mean --workspace?)` was never shown. Likewise `policy evaluate … --resouce ARN` (§1) and `who-can --acton`
 * (§7). Now the unknown option is named first, with commander's suggestion, the same usage error (exit 2); a required
 * option really left out is still reported as missing, `--help` still shows the help, and an option after the
 * command's first word without `--` still gets the message of review bn1. The CLI run in process; none of these
 * reaches a server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const ENV = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/nonexistent' };
const cli = (args: readonly string[]) => gatehouseInProcess(args, ENV);
const POLICY = 'examples/policies/ml-data-reader.json';

test('gh2: a mistyped required option is named as unknown, with the option meant', async () => {
  for (const [args, typed, meant] of [
    [['jobs', 'run', '--worksapce', 'vision', '--role', 'default', '--', 'true'], '--worksapce', '--workspace'],
    [['policy', 'evaluate', '--policy', POLICY, '--principal', 'arn:aws:iam::111122223333:user/alice', '--action', 's3:GetObject', '--resouce', 'arn:aws:s3:::ml-datasets/x'], '--resouce', '--resource'],
    [['who-can', '--acton', 's3:GetObject', '--resource', 'arn:aws:s3:::ml-datasets/train/x'], '--acton', '--action'],
  ] as const) {
    const r = await cli(args);
    assert.equal(r.code, EXIT.usage, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`unknown option '${typed}'`), args.join(' '));
    assert.match(r.stderr, new RegExp(`Did you mean ${meant}\\?`), args.join(' '));
    assert.doesNotMatch(r.stderr, /required option/, args.join(' '));
  }
});

test('gh2: a required option left out is still said missing; --help and bn1 are unchanged', async () => {
  const missing = await cli(['jobs', 'run', '--role', 'default', '--', 'true']);
  assert.equal(missing.code, EXIT.usage);
  assert.match(missing.stderr, /required option '--workspace <name>' not specified/);

  const help = await cli(['jobs', 'run', '--help']);
  assert.equal(help.code, EXIT.ok, help.stderr);
  assert.match(help.stdout, /Usage: gatehouse jobs run/);

  const dashdash = await cli(['jobs', 'run', '--workspace', 'vision', '--role', 'default', 'node', 'rank.mjs', '--data', 's3://vision-data/']);
  assert.equal(dashdash.code, EXIT.usage);
  assert.match(dashdash.stderr, /`--data` after the command's first word `node` is not an option of gatehouse jobs run/);
});
