/**
 * Review `ll`, 2: a user's long-term key (`AKIA…`) exported over an earlier session whose token was left in
 * AWS_SECURITY_TOKEN (the older name botocore still reads, which the CLI sends since review kw, 4) was refused with
 * `InvalidClientTokenId … but AWS_SESSION_TOKEN is set (left from an earlier session?): unset it`: AWS_SESSION_TOKEN
 * was not set, so `unset AWS_SESSION_TOKEN` changed nothing and the refusal came again. The hint now names the variable
 * actually set, and both when both are (unsetting one alone leaves the other sent). AWS_SESSION_TOKEN alone is as
 * before (review iv5's test). The CLI in process against a real server on 127.0.0.1.
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

let server: TestServer;
let dir: string;
let alice: Credentials;
/** A token of the form the server issues is not needed: any token with a long-term key is refused. */
const STALE = 'FwoGZXIvYXdzEleftover';
before(async () => {
  server = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'gh-ll2-'));
  alice = await userWithKey(server, 'alice');
});
after(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

const whoami = (env: Record<string, string>) =>
  gatehouseInProcess(['whoami'], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, GATEHOUSE_ENDPOINT: server.url, AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: alice.secretAccessKey, ...env });

test('ll2: a stale AWS_SECURITY_TOKEN alone: the hint names AWS_SECURITY_TOKEN', async () => {
  const r = await whoami({ AWS_SECURITY_TOKEN: STALE });
  assert.equal(r.code, EXIT.accessDenied, r.stderr);
  assert.match(r.stderr, /\): AKIA… is a user's long-term access key, which takes no session token, but AWS_SECURITY_TOKEN is set \(left from an earlier session\?\): unset it\n$/);
  assert.doesNotMatch(r.stderr, /AWS_SESSION_TOKEN/);
  assert.doesNotMatch(r.stderr, new RegExp(STALE));
});

test('ll2: both variables set: both named, since unsetting one leaves the other sent', async () => {
  const r = await whoami({ AWS_SESSION_TOKEN: STALE, AWS_SECURITY_TOKEN: STALE });
  assert.equal(r.code, EXIT.accessDenied, r.stderr);
  assert.match(r.stderr, /but AWS_SESSION_TOKEN and AWS_SECURITY_TOKEN are set \(left from an earlier session\?\): unset them\n$/);
});

test('ll2: AWS_SESSION_TOKEN alone: as before', async () => {
  const r = await whoami({ AWS_SESSION_TOKEN: STALE });
  assert.equal(r.code, EXIT.accessDenied, r.stderr);
  assert.match(r.stderr, /but AWS_SESSION_TOKEN is set \(left from an earlier session\?\): unset it\n$/);
});
