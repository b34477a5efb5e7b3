/**
 * Review `readme`, ma3: `gatehouse credentials --help` said two opposite things about AWS_PROFILE. Its `--data-dir`
 * line, shared with every client command, said the data dir's key "signs when neither
 * AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY nor AWS_PROFILE is set"; its text below, and README §3 ("`--data-dir` is
 * whose key assumes the role"), that `credentials` does not read AWS_PROFILE, which names the profile whose
 * credential_process runs it (the aws CLI and the SDKs start the process with it set: were it read, the profile would
 * run itself). The command does the latter: with AWS_PROFILE set, the data dir's admin key assumes the role. An
 * operator reading the option (a `credential_process` line to write, a shell with AWS_PROFILE exported) was told the
 * data dir's key would not be used. Now `credentials`'s `--data-dir` says what the command does; the other commands
 * keep theirs. The behaviour is held here too: in process, against a real server on 127.0.0.1.
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import type { Command } from 'commander';
import { createProgram } from '../src/adapters/cli/program.ts';
import { COMMAND_GROUPS } from '../src/adapters/cli/command-groups.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let home: string;
const ROLE = 'arn:aws:iam::000000000000:role/Scientist';

before(async () => {
  server = await startTestServer();
  home = await mkdtemp(join(tmpdir(), 'gh-review-ma3-'));
  const iam = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: server.admin });
  await iam.send(new CreateRoleCommand({ RoleName: 'Scientist', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] }) }));
});
after(async () => {
  await server.stop();
  await rm(home, { recursive: true, force: true });
});

test('ma3: with AWS_PROFILE set (as credential_process runs it), the data dir\'s admin key assumes the role', async () => {
  const r = await gatehouseInProcess(['credentials', '--role-arn', ROLE, '--data-dir', server.dataDir], { HOME: home, AWS_PROFILE: 'scientist', GATEHOUSE_ENDPOINT: server.url });
  assert.equal(r.code, 0, r.stderr);
  assert.match((JSON.parse(r.stdout) as { AccessKeyId: string }).AccessKeyId, /^ASIA/);
});

test('ma3: credentials --help does not say AWS_PROFILE keeps the data dir\'s key from signing', async () => {
  const deps = { out: () => {}, err: () => {}, readFile: (p: string) => readFile(p, 'utf8'), now: () => Date.now(), version: 'test', env: {}, exit: () => {} };
  const program = createProgram(deps, COMMAND_GROUPS);
  const option = (cmd: Command | undefined) => cmd?.options.find((o) => o.long === '--data-dir')?.description ?? '';
  const credentials = option(program.commands.find((c) => c.name() === 'credentials'));
  assert.doesNotMatch(credentials, /AWS_PROFILE is set/);
  assert.match(credentials, /AWS_PROFILE/, 'it says AWS_PROFILE is not read');
  // The other commands read AWS_PROFILE, and say so.
  const whoami = option(program.commands.find((c) => c.name() === 'whoami'));
  assert.match(whoami, /nor AWS_PROFILE is set/);
});
