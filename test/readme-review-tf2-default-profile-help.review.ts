/**
 * Review `tf` (README tour as a new user follows it), 2: the CLI takes the profile to sign with from `--profile`, else
 * AWS_DEFAULT_PROFILE, else AWS_PROFILE, as botocore (so the aws CLI) reads them (docs/decisions.md "AWS_DEFAULT_PROFILE
 * before AWS_PROFILE", review pb, 3): with AWS_DEFAULT_PROFILE naming a profile, that profile signs and the data dir's
 * admin key does not. But `gatehouse --help` ("Credentials: … else the access keys of the profile AWS_PROFILE names …
 * else --data-dir's admin-credentials.json"), every client command's `--data-dir` ("its key (the account admin's) signs
 * when neither AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY nor AWS_PROFILE is set") and README §3 ("the `--data-dir`
 * admin's key is used only when no `AWS_PROFILE` is set") named AWS_PROFILE alone: a user of the aws CLI v1 who names
 * profiles with AWS_DEFAULT_PROFILE read that gatehouse would sign with the admin's key, the account's most powerful,
 * and could not tell from the help which principal a command acted as. Now the three say AWS_DEFAULT_PROFILE too. The
 * behaviour the words describe is held here: in process, against a test server, a profile named by AWS_DEFAULT_PROFILE
 * signs `whoami`, not the data dir's key.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { createProgram } from '../src/adapters/cli/program.ts';
import { COMMAND_GROUPS } from '../src/adapters/cli/command-groups.ts';
import { CREDENTIALS_NOTE } from '../src/adapters/cli/credentials-note.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let home: string;
const flat = (s: string) => s.replace(/\s+/g, ' ');

before(async () => {
  server = await startTestServer();
  home = await mkdtemp(join(tmpdir(), 'gh-review-tf2-'));
  const made = await cliAgainst(server, ['iam', 'users', 'create', 'tf2-user']);
  assert.equal(made.status, 0, made.err);
  const key = await cliAgainst(server, ['iam', 'access-keys', 'create', '--user', 'tf2-user', '--json']);
  assert.equal(key.status, 0, key.err);
  const k = JSON.parse(key.out) as { accessKeyId: string; secretAccessKey: string };
  await mkdir(join(home, '.aws'), { mode: 0o700 });
  await writeFile(join(home, '.aws', 'credentials'), `[tf2]\naws_access_key_id = ${k.accessKeyId}\naws_secret_access_key = ${k.secretAccessKey}\n`, { mode: 0o600 });
});
after(async () => {
  await server?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

test('tf2: a profile AWS_DEFAULT_PROFILE names signs, not the data dir\'s admin key', async () => {
  const r = await gatehouseInProcess(['whoami', '--data-dir', server.dataDir], { HOME: home, AWS_DEFAULT_PROFILE: 'tf2', GATEHOUSE_ENDPOINT: server.url });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^arn:aws:iam::000000000000:user\/tf2-user\n/);
});

test('tf2: gatehouse --help, --data-dir and README §3 name AWS_DEFAULT_PROFILE beside AWS_PROFILE', async () => {
  assert.match(flat(CREDENTIALS_NOTE), /the profile AWS_PROFILE names \(AWS_DEFAULT_PROFILE's first/);
  const deps = { out: () => {}, err: () => {}, readFile: (p: string) => readFile(p, 'utf8'), now: () => Date.now(), version: 'test', env: {}, exit: () => {} };
  const program = createProgram(deps, COMMAND_GROUPS);
  const dataDir = (cmd: Command | undefined) => cmd?.options.find((o) => o.long === '--data-dir')?.description ?? '';
  for (const name of ['whoami', 'apply', 'audit']) {
    const cmd = program.commands.find((c) => c.name() === name);
    const text = dataDir(name === 'audit' ? cmd?.commands.find((c) => c.name() === 'query') : cmd);
    assert.match(text, /nor AWS_PROFILE is set \(nor AWS_DEFAULT_PROFILE/, name);
  }
  const readme = flat(readFileSync('README.md', 'utf8'));
  assert.match(readme, /admin's key is used only when neither `AWS_PROFILE` nor `AWS_DEFAULT_PROFILE`/);
});
