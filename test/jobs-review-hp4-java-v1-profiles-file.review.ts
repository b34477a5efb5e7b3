/**
 * Review hp, 4: the job's own profile files keep the submitter's `~/.aws/credentials` out of every rank's chain
 * (README "Jobs": "a default profile in `~/.aws` cannot stand in for the role"), through `AWS_SHARED_CREDENTIALS_FILE`.
 * The AWS SDK for Java 1.x does not read that variable: its `ProfileCredentialsProvider`, in
 * `DefaultAWSCredentialsProviderChain` before the container endpoint and instance metadata, reads the file
 * `AWS_CREDENTIAL_PROFILES_FILE` names, else `~/.aws/credentials` (AWS's migration guide to 2.x, "Location of custom
 * profile": 1.x `AWS_CREDENTIAL_PROFILES_FILE`, 2.x `AWS_SHARED_CREDENTIALS_FILE`). So a Java 1.x rank (Hadoop's s3a,
 * Spark, the Redshift and Athena JDBC drivers) signed with the submitter's default profile, or with the file the
 * submitter's own `AWS_CREDENTIAL_PROFILES_FILE` named, which reached the rank. Now the caller's variable is dropped and
 * the job's names the job's own credentials file, as `AWS_SHARED_CREDENTIALS_FILE` does.
 *
 * The real CLI in process against a real server; the rank writes its environment (no Java AWS SDK is installed here to
 * run one: the variable is the whole contract).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { TestServer } from './support/server.ts';
import { rankEnvironment, startWorkspaceServer } from './support/jobs-world.ts';

let server: TestServer;
let home: string;
let stop: (() => Promise<void>) | undefined;

before(async () => {
  ({ server, home, stop } = await startWorkspaceServer('gh-hp4-'));
});
after(async () => stop?.());

test("hp4: a Java 1.x rank's profiles file is the job's own, not the submitter's", async () => {
  const mine = '/home/alice/.aws/credentials';
  const env = await rankEnvironment({ server, home }, { AWS_CREDENTIAL_PROFILES_FILE: mine });
  // Before the fix: the caller's path reached the rank; without it, Java 1.x read ~/.aws/credentials.
  assert.notEqual(env['AWS_CREDENTIAL_PROFILES_FILE'], mine);
  assert.ok(env['AWS_SHARED_CREDENTIALS_FILE'], 'the job has its own credentials file');
  assert.equal(env['AWS_CREDENTIAL_PROFILES_FILE'], env['AWS_SHARED_CREDENTIALS_FILE']);
  assert.doesNotMatch(await readFile(env['AWS_CREDENTIAL_PROFILES_FILE'] as string, 'utf8').catch(() => ''), /aws_access_key_id/);
});
