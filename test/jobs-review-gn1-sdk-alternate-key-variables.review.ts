/**
 * Review gn, 1: `jobs run` passes the caller's environment to the job "minus every credential variable (…) and the
 * like: a job runs as its role only" (DESIGN.md "Job environment"). The other names the AWS SDKs read keys from reached
 * every rank: `AWS_ACCESS_KEY` and `AWS_SECRET_KEY` (the Go SDK v1 and v2 `EnvProvider`, the Java SDK v1
 * `EnvironmentVariableCredentialsProvider`, so Hadoop's s3a and Spark; the Ruby SDK), and the Ruby SDK's
 * `AMAZON_ACCESS_KEY_ID`, `AMAZON_SECRET_ACCESS_KEY`, `AMAZON_SESSION_TOKEN`. Each of those chains reads the environment
 * before the container endpoint, so a Go or Java rank of a submitter who keeps their key under those names signed as the
 * submitter, not as the job's role.
 *
 * The real CLI in process against a real server; the rank writes its environment. It failed before the fix (the five
 * variables reached the rank).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { TestServer } from './support/server.ts';
import { rankEnvironment, startWorkspaceServer } from './support/jobs-world.ts';

let server: TestServer;
let home: string;
let stop: (() => Promise<void>) | undefined;

before(async () => {
  ({ server, home, stop } = await startWorkspaceServer('gh-gn1-'));
});
after(async () => stop?.());

const CALLER_KEYS = {
  AWS_ACCESS_KEY: 'AKIAALICELAPTOPGO001',
  AWS_SECRET_KEY: 'alice-laptop-secret-for-go-and-java',
  AMAZON_ACCESS_KEY_ID: 'AKIAALICELAPTOPRUBY1',
  AMAZON_SECRET_ACCESS_KEY: 'alice-laptop-secret-for-ruby',
  AMAZON_SESSION_TOKEN: 'alice-laptop-token-for-ruby',
};

test('gn1: the alternate key variables of the Go, Java and Ruby AWS SDKs do not reach a rank', async () => {
  const env = await rankEnvironment({ server, home }, CALLER_KEYS);
  assert.equal(env['HARMLESS'], 'kept', 'the rest of the caller\'s environment is passed on');
  const leaked = Object.keys(CALLER_KEYS).filter((k) => k in env);
  assert.deepEqual(leaked, [], `the caller's credentials reached the rank: ${leaked.join(', ')}`);
  const values = Object.values(env).join('\n');
  for (const secret of Object.values(CALLER_KEYS)) assert.ok(!values.includes(secret), `a rank's environment holds ${secret}`);
});
