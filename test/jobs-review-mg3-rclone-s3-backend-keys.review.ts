/**
 * Review mg, finding 3: the caller's rclone S3 backend keys reached every rank, and there they outrank the remote's
 * own configuration. rclone reads a backend option from, in this order, a connection string, the command-line flag,
 * the remote-specific variable (`RCLONE_CONFIG_<REMOTE>_<OPTION>`), the backend-specific variable
 * (`RCLONE_S3_<OPTION>`), and only then the config file (rclone/rclone docs/content/docs.md, "Precedence": "the first
 * one with a value is used"). So an S3 (or Alibaba OSS, rclone's `s3` backend with `provider = Alibaba`) remote set up
 * to take the job's role (`env_auth = true`: the AWS SDK's chain, that is the job's container endpoint) signed every
 * request of a rank with the submitter's key when their shell held `RCLONE_S3_ACCESS_KEY_ID` and
 * `RCLONE_S3_SECRET_ACCESS_KEY` (and `RCLONE_S3_SESSION_TOKEN`), or read their `~/.aws/credentials` when it held
 * `RCLONE_S3_SHARED_CREDENTIALS_FILE` and `RCLONE_S3_PROFILE`: the job ran as the submitter (DESIGN.md "Job
 * environment": a job runs as its role only). These five are removed now, as `AWS_ACCESS_KEY_ID`, `AWS_PROFILE` and
 * `AWS_SHARED_CREDENTIALS_FILE` are; rclone's other settings (`RCLONE_S3_PROVIDER`, `RCLONE_S3_ENDPOINT`, …) are kept.
 * A remote's own keys (its config-file section or `RCLONE_CONFIG_<REMOTE>_…`) are used only by a command naming that
 * remote: the user's choice (docs/decisions.md, review mg).
 *
 * rclone is not installed here: the real CLI in process against a real server, and the rank writes the environment
 * it was given. Before the fix 1 of 1 tests failed (every variable reached the rank).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from './support/server.ts';
import { rankEnvironment, startWorkspaceServer } from './support/jobs-world.ts';

let server: TestServer;
let home: string;
let stop: (() => Promise<void>) | undefined;

before(async () => {
  ({ server, home, stop } = await startWorkspaceServer('gh-mg3-'));
});
after(async () => stop?.());

test('mg3: the caller\'s rclone S3 backend keys do not reach a rank, its other rclone settings do', async () => {
  const keys = {
    RCLONE_S3_ACCESS_KEY_ID: 'AKIAMG3ALICEKEY00000',
    RCLONE_S3_SECRET_ACCESS_KEY: 'mg3-alice-secret',
    RCLONE_S3_SESSION_TOKEN: 'mg3-alice-session-token',
    RCLONE_S3_SHARED_CREDENTIALS_FILE: '/home/alice/.aws/credentials',
    RCLONE_S3_PROFILE: 'alice-prod',
  };
  const settings = { RCLONE_S3_PROVIDER: 'Alibaba', RCLONE_S3_ENDPOINT: 'oss-cn-hangzhou.aliyuncs.com', RCLONE_TRANSFERS: '8' };
  const env = await rankEnvironment({ server, home }, { ...keys, ...settings });
  const passed = Object.keys(keys).filter((k) => k in env);
  assert.deepEqual(passed, [], `a rank was given the caller's ${passed.join(', ')}`);
  for (const [k, v] of Object.entries(settings)) assert.equal(env[k], v, `${k} names no identity and is kept`);
});
