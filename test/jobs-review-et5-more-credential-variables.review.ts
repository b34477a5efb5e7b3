/**
 * Review et, finding 5: `jobs run` passes the caller's environment to the job "minus every credential variable
 * (`AWS_ACCESS_KEY_ID`, …, `ALIBABA_CLOUD_SECURITY_TOKEN` and the like): a job runs as its role only" (DESIGN.md "Job
 * environment", README §4). Some of the like reached every rank: the OSS SDKs' own variables (`OSS_ACCESS_KEY_ID`,
 * `OSS_ACCESS_KEY_SECRET`, `OSS_SESSION_TOKEN`, read by oss2's and the v2 SDKs' `EnvironmentVariableCredentialsProvider`
 * and by ossutil, the usual way to hand keys to OSS code, seed 000's data path), the AWS SDKs' Bedrock API key
 * (`AWS_BEARER_TOKEN_BEDROCK`, which their default configuration uses before any SigV4 credentials), and Gatehouse's
 * own secrets (`GATEHOUSE_MASTER_KEY`, which opens every secret of the deployment, and `GATEHOUSE_DATABASE_URL`, with
 * its password) in the shell of an operator who also runs the server: the submitter's keys stood in for the job's
 * role, and the job's code could read secrets that were never its own.
 *
 * The real CLI in process against a real server; the rank writes the names of its environment. Its test failed before
 * the fix (the six variables reached the rank).
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
  ({ server, home, stop } = await startWorkspaceServer('gh-et5-'));
});
after(async () => stop?.());

const CALLER_SECRETS = {
  OSS_ACCESS_KEY_ID: 'LTAI5tAliceLaptopOss00',
  OSS_ACCESS_KEY_SECRET: 'alice-laptop-oss-secret',
  OSS_SESSION_TOKEN: 'alice-laptop-oss-token',
  AWS_BEARER_TOKEN_BEDROCK: 'bedrock-api-key-alice',
  GATEHOUSE_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
  GATEHOUSE_DATABASE_URL: 'postgres://gatehouse:hunter2@db.internal:5432/gatehouse',
};

test('et5: no credential of the caller reaches a rank: OSS keys, the Bedrock API key, Gatehouse\'s own secrets', async () => {
  const env = await rankEnvironment({ server, home }, CALLER_SECRETS);
  assert.equal(env['HARMLESS'], 'kept', 'the rest of the caller\'s environment is passed on');
  const leaked = Object.keys(CALLER_SECRETS).filter((k) => k in env);
  assert.deepEqual(leaked, [], `the caller's credentials reached the rank: ${leaked.join(', ')}`);
  const values = Object.values(env).join('\n');
  for (const secret of Object.values(CALLER_SECRETS)) assert.ok(!values.includes(secret), `a rank's environment holds ${secret}`);
});
