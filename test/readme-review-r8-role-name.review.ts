/**
 * Review `readme`, R8: `gatehouse jobs run --role training-default` (a role's name, not its ARN) said the role "does
 * not exist" while it does. Now the CLI refuses a bare name before submitting anything: exit 2 (usage), saying that
 * `--role` takes `default`, `none` or a role ARN, and the ARN to write. Against a real server (startTestServer,
 * SQLite in a temporary dir), the CLI run in process (`cliAgainst`), the role created with `@aws-sdk/client-iam`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { cliAgainst, type TestServer } from './support/server.ts';
import { visionWorkspace } from './support/vision-workspace.ts';

let s: TestServer;

const { jobCount } = visionWorkspace((server) => {
  s = server;
});

test('R8: --role with a role name is a usage error naming the ARN to give; nothing is submitted', async () => {
  const r = await cliAgainst(s, ['jobs', 'run', '--workspace', 'vision', '--role', 'trainer', '--', 'true']);
  assert.equal(r.status, EXIT.usage, r.err);
  assert.match(r.err, /--role takes `default`, `none` or a role ARN, got `trainer`/);
  assert.match(r.err, /--role arn:aws:iam::<account>:role\/trainer/);
  assert.doesNotMatch(r.err, /does not exist/);
  assert.equal(await jobCount(), 0, 'no job was submitted');
});

test('R8: anything else that is neither default, none nor an ARN is refused too, without a made-up ARN', async () => {
  const r = await cliAgainst(s, ['jobs', 'run', '--workspace', 'vision', '--role', 'role/trainer', '--', 'true']);
  assert.equal(r.status, EXIT.usage, r.err);
  assert.match(r.err, /--role takes `default`, `none` or a role ARN, got `role\/trainer`/);
  assert.doesNotMatch(r.err, /arn:aws:iam::<account>/);
  assert.equal(await jobCount(), 0, 'no job was submitted');
});

test('R8: a role ARN is still sent as given (an unknown one is the server\'s answer, not a usage error)', async () => {
  const r = await cliAgainst(s, ['jobs', 'run', '--workspace', 'vision', '--role', 'arn:aws:iam::000000000000:role/nosuch', '--', 'true']);
  assert.notEqual(r.status, EXIT.usage, r.err);
  assert.match(r.err, /role arn:aws:iam::000000000000:role\/nosuch does not exist/);
});
