/**
 * Review `readme`, R10: `gatehouse jobs run --workspace vision --role default node x.mjs --replicas 2` (the command
 * given without `--`) took `--replicas 2` as gatehouse's own option: the job ran 2 ranks and x.mjs never saw
 * `--replicas`. Now an option of the subcommand's own after the command's first word, without `--`, is a usage error
 * (exit 2) saying to put the command after `--`, and nothing is submitted; after `--` every word is the command's.
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

test('R10: jobs run CMD --replicas 2 without `--` is a usage error, nothing submitted', async () => {
  for (const args of [
    ['--workspace', 'vision', '--role', ROLE, 'node', 'x.mjs', '--replicas', '2'],
    ['--workspace', 'vision', 'node', 'x.mjs', '--replicas=2', '--role', ROLE],
    ['--role', ROLE, 'node', '--workspace', 'vision'],
  ]) {
    const r = await cliAgainst(s, ['jobs', 'run', ...args]);
    assert.equal(r.status, EXIT.usage, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, /^gatehouse: `--(replicas|replicas=2|workspace)` after the command's first word `node` would be taken as gatehouse's own --(replicas|workspace), not passed to the command: put the command after `--` \(gatehouse jobs run \[options\] -- node …\)/);
  }
  assert.equal(await jobCount(), 0, 'no job was submitted');
});

test('R10: clusters run-node likewise', async () => {
  const r = await cliAgainst(s, ['clusters', 'run-node', 'node', 'x.mjs', '--cluster', 'gpu-a']);
  assert.equal(r.status, EXIT.usage, r.err);
  assert.match(r.err, /`--cluster` after the command's first word `node` would be taken as gatehouse's own --cluster.*gatehouse clusters run-node \[options\] -- node …/);
});

test('R10: after `--`, and with option values that look like the command, nothing is refused', async () => {
  // The command's own --replicas after `--`, and `node` as the value of --name before the command: the job runs.
  const r = await cliAgainst(s, ['jobs', 'run', '--name', 'node', '--workspace', 'vision', '--role', ROLE, '--', process.execPath, '-e', 'process.exit(process.argv.includes("--replicas") ? 0 : 3)', '--', '--replicas', '2']);
  assert.equal(r.status, 0, r.err);
  assert.match(r.err, /1 rank\(s\)/);
  // A command given without `--` and followed by no option still runs, as before.
  const plain = await cliAgainst(s, ['jobs', 'run', '--workspace', 'vision', '--role', ROLE, 'true']);
  assert.equal(plain.status, 0, plain.err);
});
