/**
 * Review qz, 8: the CLI given the AWS credentials file's text where its path goes (`AWS_SHARED_CREDENTIALS_FILE` set to
 * a CI variable that holds the file, `"$(cat ~/.aws/credentials)"`; AWS_CONFIG_FILE the same) echoed that text in every
 * message naming the file: with a profile named (AWS_PROFILE, --profile) "the profile `default` (AWS_PROFILE) is in
 * neither `[default] aws_access_key_id = AKIA… aws_secret_access_key = <the secret>` nor `~/.aws/config`", the secret
 * access key on the terminal and in the CI log. Now a variable that holds text with a line break (no path has one) is
 * shown as what it is, `<AWS_SHARED_CREDENTIALS_FILE: a file's text, not its path; not shown>`, and read as no file
 * there; a path is still named as given.
 *
 * The real CLI in this process (test/support/gatehouse-cli.ts); the files are read before anything is sent.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const SECRET = 'qz8SecretAccessKeyEXAMPLE0000000000000000';
const FILE = `[default]\naws_access_key_id = AKIAQZ8EXAMPLE000000\naws_secret_access_key = ${SECRET}\n`;
const base = { HOME: '/nonexistent-qz8', PATH: process.env['PATH'], GATEHOUSE_ENDPOINT: 'http://127.0.0.1:9' };

test('qz8: AWS_SHARED_CREDENTIALS_FILE holding the file is not echoed', async () => {
  for (const [args, env] of [
    [['whoami'], { ...base, AWS_PROFILE: 'default', AWS_SHARED_CREDENTIALS_FILE: FILE }],
    [['whoami', '--profile', 'ci'], { ...base, AWS_SHARED_CREDENTIALS_FILE: FILE }],
  ] as const) {
    const r = await gatehouseInProcess(args, env);
    assert.notEqual(r.code, 0);
    assert.ok(!r.stderr.includes(SECRET) && !r.stdout.includes(SECRET), r.stderr);
    assert.match(r.stderr, /<AWS_SHARED_CREDENTIALS_FILE: a file's text, not its path; not shown>/);
  }
});

test('qz8: AWS_CONFIG_FILE holding the file is not echoed', async () => {
  const r = await gatehouseInProcess(['whoami'], { ...base, AWS_PROFILE: 'default', AWS_CONFIG_FILE: FILE.replace('[default]', '[profile default]') });
  assert.notEqual(r.code, 0);
  assert.ok(!r.stderr.includes(SECRET), r.stderr);
  assert.match(r.stderr, /<AWS_CONFIG_FILE: a file's text, not its path; not shown>/);
});

test('qz8: a path is still named as given', async () => {
  const r = await gatehouseInProcess(['whoami'], { ...base, AWS_PROFILE: 'default', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent-qz8/creds' });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /`\/nonexistent-qz8\/creds`/);
});
