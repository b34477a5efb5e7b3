/**
 * Review D, finding 5: an IAM answer quoting a control character was not well-formed XML. The ValidationError for
 * `PathPrefix=/a<U+0001>b/` or `UserName=x<U+0001>y` echoed the character raw, so boto3 raised ResponseParserError
 * ("invalid XML received. Further retries may succeed", and retried) and the SDK v3 could not read the error code.
 * Now a character XML 1.0 does not allow is written U+FFFD, and a carriage return (which a Description may hold) is
 * a reference, so it comes back as sent. Real SDK v3 and boto3 (when installed) against a real server.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as I from '@aws-sdk/client-iam';
import { REGION, sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
// Found before any test is registered: a test registered after an await may run once the server is stopped.
const python = await new Promise<boolean>((resolve) => execFile('python3', ['-c', 'import boto3'], (err) => resolve(err === null)));
let server: TestServer;
let iam: I.IAMClient;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
});
after(async () => {
  await server?.stop();
});

test('a refusal quoting a control character is a readable ValidationError (SDK v3)', async () => {
  const list = await sdkFailure(iam.send(new I.ListUsersCommand({ PathPrefix: '/a\u0001b/' })));
  assert.equal(list.code, 'ValidationError');
  assert.match(list.message, /`\/a\uFFFDb\/`/);
  const create = await sdkFailure(iam.send(new I.CreateUserCommand({ UserName: 'x\u0001y' })));
  assert.equal(create.code, 'ValidationError');
});

test('a carriage return in a Description comes back as sent', async () => {
  await iam.send(new I.CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: TRUST, Description: 'line one\r\nline two' }));
  assert.equal((await iam.send(new I.GetRoleCommand({ RoleName: 'r' }))).Role?.Description, 'line one\r\nline two');
});

test('boto3 reads the error code', { skip: python ? false : 'python3 with boto3 not installed' }, async () => {
  const script = [
    'import boto3, botocore, sys',
    `iam = boto3.client("iam", endpoint_url=sys.argv[1], region_name="${REGION}", aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3], config=botocore.config.Config(retries={"max_attempts": 1}))`,
    'try:',
    '    iam.list_users(PathPrefix="/a\\x01b/")',
    'except botocore.exceptions.ClientError as e:',
    '    print(e.response["Error"]["Code"])',
  ].join('\n');
  const out = await new Promise<string>((resolve) =>
    execFile('python3', ['-c', script, server.url, server.admin.accessKeyId, server.admin.secretAccessKey], { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/tmp', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve(err ? `failed: ${stderr.slice(-500)}` : stdout.trim()),
    ),
  );
  assert.equal(out, 'ValidationError');
});
