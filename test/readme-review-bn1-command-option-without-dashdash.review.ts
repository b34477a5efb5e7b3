/**
 * Review `readme`, bn1: the tour's §5 job is `jobs run … -- node examples/demo/rank.mjs --data s3://… --checkpoints
 * s3://…`. Given without `--`, its `--data` was commander's `error: unknown option '--data'`, which neither says that
 * `--data` was taken for gatehouse's nor what to do (R10 covered only gatehouse's own options there). Now an option
 * gatehouse does not know, after the command's first word and without `--`, is a usage error (exit 2) saying to put
 * the command after `--`, and nothing is submitted; one before the command's first word is still commander's
 * `unknown option`, with its suggestion, as it is a typo of gatehouse's own.
 * Against a real server (startTestServer, SQLite in a temporary dir), the CLI run in process (`cliAgainst`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { cliAgainst, type TestServer } from './support/server.ts';
import { visionWorkspace } from './support/vision-workspace.ts';

const ROLE = 'arn:aws:iam::000000000000:role/trainer';
let s: TestServer;

const { jobCount } = visionWorkspace((server) => {
  s = server;
});

test('bn1: jobs run CMD --data … without `--` says to put the command after `--`, nothing submitted', async () => {
  for (const [args, flag] of [
    [['--workspace', 'vision', '--role', ROLE, '--replicas', '2', 'node', 'examples/demo/rank.mjs', '--data', 's3://vision-data/datasets/images/'], '--data'],
    [['--workspace', 'vision', 'node', 'x.mjs', '--checkpoints=s3://b/c/'], '--checkpoints=s3://b/c/'],
    [['--workspace', 'vision', 'python', 'train.py', '-v'], '-v'],
  ] as const) {
    const r = await cliAgainst(s, ['jobs', 'run', ...args]);
    assert.equal(r.status, EXIT.usage, `${args.join(' ')}: ${r.err}`);
    const first = (args as readonly string[]).includes('node') ? 'node' : 'python';
    assert.ok(
      r.err.includes(`\`${flag}\` after the command's first word \`${first}\` is not an option of gatehouse jobs run: to pass it to the command, put the command after \`--\` (gatehouse jobs run [options] -- ${first} …)`),
      r.err,
    );
    assert.doesNotMatch(r.err, /unknown option/);
  }
  assert.equal(await jobCount(), 0, 'no job was submitted');
});

test('bn1: clusters run-node likewise', async () => {
  const r = await cliAgainst(s, ['clusters', 'run-node', '--cluster', 'gpu-a', 'node', 'x.mjs', '--data', 'y']);
  assert.equal(r.status, EXIT.usage, r.err);
  assert.match(r.err, /`--data` after the command's first word `node` is not an option of gatehouse clusters run-node: .*gatehouse clusters run-node \[options\] -- node …/);
});

test('bn1: an unknown option before the command is a typo of gatehouse\'s, and after `--` every word is the command\'s', async () => {
  const typo = await cliAgainst(s, ['jobs', 'run', '--workspace', 'vision', '--replica', '2', '--', 'true']);
  assert.equal(typo.status, EXIT.usage, typo.err);
  assert.match(typo.err, /unknown option '--replica'\n\(Did you mean --replicas\?\)/);
  assert.equal(await jobCount(), 0);
  const r = await cliAgainst(s, ['jobs', 'run', '--workspace', 'vision', '--role', ROLE, '--', process.execPath, '-e', 'process.exit(process.argv.includes("--data") ? 0 : 3)', '--', '--data', 'x']);
  assert.equal(r.status, 0, r.err);
});
