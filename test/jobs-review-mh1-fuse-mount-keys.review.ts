/**
 * Review mh, finding 1: the caller's s3fs and ossfs keys reached every rank, so a bucket a rank mounted was mounted as the submitter.
 *
 * Before the fix 1 of 1 tests failed.
 *
 * A training script (or its entrypoint) that mounts its data bucket with a FUSE file system reads the keys as the
 * mounter finds them by default. s3fs-fuse takes `AWS_ACCESS_KEY_ID`, else `AWSACCESSKEYID` (and `AWSSECRETACCESSKEY`,
 * `AWSSESSIONTOKEN`) before `AWS_CREDENTIAL_FILE` and the home's files (s3fs-fuse `src/s3fs_cred.cpp`
 * `InitialS3fsCredentials`, "3 - environment variables"; its man page: "s3fs also recognizes the AWSACCESSKEYID and
 * AWSSECRETACCESSKEY environment variables"); Alibaba's ossfs, built on it, takes `OSSACCESSKEYID`,
 * `OSSSECRETACCESSKEY`, `OSSSESSIONTOKEN` (else the OSS SDKs' `OSS_ACCESS_KEY_ID`…), then the key file
 * `OSS_CREDENTIAL_FILE` names (aliyun/ossfs `src/s3fs_cred.cpp` `InitialCredentials`, "3a - from the
 * OSS_CREDENTIAL_FILE environment variable"). The AWS SDKs' names, the OSS SDKs' and `AWS_CREDENTIAL_FILE` were cut
 * (DESIGN.md "Job environment", reviews et, 5; hp, 3), these were passed on: an `s3fs`/`ossfs` mount in a rank held
 * the submitter's long-term key, not the job's role. Now they are cut too.
 *
 * s3fs and ossfs are not installed here: the real CLI in process against a real server, and the rank writes the
 * environment it was given.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from './support/server.ts';
import { rankEnvironment, startWorkspaceServer } from './support/jobs-world.ts';

let server: TestServer;
let home: string;
let stop: (() => Promise<void>) | undefined;

before(async () => {
  ({ server, home, stop } = await startWorkspaceServer('gh-mh1-'));
});
after(async () => stop?.());

test('mh1: the caller\'s s3fs and ossfs keys and key file do not reach a rank, their other settings do', async () => {
  const keys = {
    AWSACCESSKEYID: 'AKIAMH1SUBMITTER0000',
    AWSSECRETACCESSKEY: 'mh1-submitter-s3fs-secret',
    AWSSESSIONTOKEN: 'mh1-submitter-s3fs-token',
    OSSACCESSKEYID: 'LTAImh1submitter0000',
    OSSSECRETACCESSKEY: 'mh1-submitter-ossfs-secret',
    OSSSESSIONTOKEN: 'mh1-submitter-ossfs-token',
    OSS_CREDENTIAL_FILE: '/home/alice/.passwd-ossfs',
  };
  const settings = { AWSSSEKMSID: 'mh1-kms-key', HARMLESS: 'kept' };
  const env = await rankEnvironment({ server, home }, { ...keys, ...settings });
  const reached = Object.keys(keys).filter((k) => env[k] !== undefined);
  assert.deepEqual(reached, [], `a rank was given the submitter's ${reached.join(', ')}`);
  for (const [k, v] of Object.entries(settings)) assert.equal(env[k], v, `${k} names no identity and is kept`);
});
