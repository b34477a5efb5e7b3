/**
 * Review `readme`, R10: `gatehouse jobs run --workspace vision --role default node x.mjs --replicas 2` (the command
 * given without `--`) took `--replicas 2` as gatehouse's own option: the job ran 2 ranks and x.mjs never saw
 * `--replicas`. Now an option of the subcommand's own after the command's first word, without `--`, is a usage error
 * (exit 2) saying to put the command after `--`, and nothing is submitted; after `--` every word is the command's.
 * Against a real server (startTestServer, SQLite in a temporary dir), the CLI run in process (`cliAgainst`).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';
import { connectionTo } from './support/processes.ts';

const ROLE = 'arn:aws:iam::000000000000:role/trainer';
let s: TestServer;

before(async () => {
  s = await startTestServer();
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] };
  await s.iam().send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  const put = await call(connectionTo(s.url, s.admin), 'PUT', ['workspaces', 'vision'], { body: { members: [{ user: 'admin' }] } });
  assert.ok(put.ok, put.ok ? '' : put.message);
});

after(async () => {
  await s?.stop();
});

async function jobCount(): Promise<number> {
  const r = await call<{ jobs: unknown[] }>(connectionTo(s.url, s.admin), 'GET', ['jobs']);
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.value.jobs.length;
}

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
