/**
 * Review `readme`, qq1: the tour makes access keys with `K=$(npx gatehouse iam access-keys create --user alice --json)`
 * (§4, and bob's in §5); a user who runs that line a third time (the tour again, a typo in the export after it) hits
 * IAM's quota of two keys a user, and was told only `LimitExceeded: Cannot exceed quota for AccessKeysPerUser: 2`:
 * nothing of whose keys, nor what to do. Worse, `$K` is then empty, the export sets empty variables, and the next
 * command signs with the data dir's admin key. Every error a user can hit in the tour must say what to do: the refusal
 * now keeps IAM's words first (what a script may match) and then names the user, how many keys it has, and how to make
 * room: delete one (DeleteAccessKey, `gatehouse iam access-keys delete ID --user NAME`), `access-keys list --user
 * NAME` saying which is unused. The key ids are not named (CreateAccessKey does not grant ListAccessKeys). Through the
 * CLI and through the IAM Query API (SDK v3), against a real server on 127.0.0.1.
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateAccessKeyCommand, IAMClient } from '@aws-sdk/client-iam';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, userWithKey, type TestServer } from './support/server.ts';

let server: TestServer;
let dir: string;
before(async () => {
  server = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'gh-qq1-'));
});
after(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

test('qq1: the CLI’s third `iam access-keys create --user alice` says whose keys are full and how to make room', async () => {
  await userWithKey(server, 'alice');
  const create = () => gatehouseCliInProcess(['iam', 'access-keys', 'create', '--user', 'alice', '--json'], server.admin, { endpoint: server.url, home: dir, extraEnv: { AWS_MAX_ATTEMPTS: '1' } });
  assert.equal((await create()).code, EXIT.ok);
  const r = await create();
  assert.equal(r.code, EXIT.conflict, r.stderr);
  assert.equal(r.stdout, '');
  const message = (JSON.parse(r.stderr) as { error: { code: string; message: string } }).error;
  assert.equal(message.code, 'LimitExceeded');
  assert.match(message.message, /^Cannot exceed quota for AccessKeysPerUser: 2: /);
  assert.match(message.message, /user alice has 2 access keys/);
  assert.match(message.message, /delete one first/);
  assert.match(message.message, /gatehouse iam access-keys delete ID --user alice/);
  assert.match(message.message, /gatehouse iam access-keys list --user alice/);
  assert.doesNotMatch(message.message, /AKIA/, 'the key ids are not named');
});

test('qq1: the IAM Query API’s LimitExceeded keeps IAM’s words first and says the same', async () => {
  await userWithKey(server, 'bob');
  const iam = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: server.admin, maxAttempts: 1 });
  try {
    await iam.send(new CreateAccessKeyCommand({ UserName: 'bob' }));
    const e = await iam.send(new CreateAccessKeyCommand({ UserName: 'bob' })).then(() => undefined, (err: unknown) => err as Error);
    assert.ok(e !== undefined, 'a third key was made');
    assert.equal(e.name, 'LimitExceededException');
    assert.match(e.message, /^Cannot exceed quota for AccessKeysPerUser: 2: user bob has 2 access keys; delete one first \(DeleteAccessKey/);
  } finally {
    iam.destroy();
  }
});
