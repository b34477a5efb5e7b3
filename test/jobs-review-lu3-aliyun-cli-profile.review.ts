/**
 * Review lu, finding 3: the `aliyun` CLI in a rank ran as the submitter. `jobs run` keeps `~/.aliyun/config.json` out of
 * the Alibaba credentials SDKs' chains with `ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true` (README §4), but that switch is the
 * SDKs' (`@alicloud/credentials` `cli_profile.ts`, credentials-go, -python, -java): the aliyun CLI itself does not read
 * it. The CLI loads the current profile of `~/.aliyun/config.json` (where `aliyun configure` keeps the user's AccessKey)
 * unless `ALIBABA_CLOUD_IGNORE_PROFILE` (or `ALIBABACLOUD_IGNORE_PROFILE`) is `TRUE`, and only then builds its profile
 * from the environment, where it takes `ALIBABA_CLOUD_CREDENTIALS_URI` and switches to its `CredentialsURI` mode
 * (aliyun/aliyun-cli `config/configuration.go` `LoadProfileWithContext`, `config/profile.go`; its README, "Supported
 * environment variables"). So a rank's `aliyun oss cp …` or `aliyun sts GetCallerIdentity` signed with the submitter's
 * own AccessKey, not the job's role, for every submitter who had configured the CLI; and a caller's
 * `ALIBABA_CLOUD_IGNORE_PROFILE=FALSE` would have been passed on too. Now the ranks get both spellings `TRUE` (the job
 * decides them, as it decides `ALIBABA_CLOUD_ECS_METADATA_DISABLED`), beside the job's credentials URI.
 *
 * The aliyun CLI is not installed here: the real CLI of Gatehouse in process against a real server, and the rank writes
 * the environment the aliyun CLI would read. Before the fix 1 of 1 tests failed (neither variable was set).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestServer } from './support/server.ts';
import { rankEnvironment, startWorkspaceServer } from './support/jobs-world.ts';

let server: TestServer;
let home: string;
let stop: (() => Promise<void>) | undefined;

before(async () => {
  ({ server, home, stop } = await startWorkspaceServer('gh-lu3-'));
});
after(async () => stop?.());

test('lu3: the aliyun CLI in a rank ignores the submitter\'s ~/.aliyun/config.json and reads the job\'s credentials URI', async () => {
  // What `aliyun configure` leaves: the submitter's AccessKey in the current profile.
  await mkdir(join(home, '.aliyun'));
  await writeFile(join(home, '.aliyun', 'config.json'), JSON.stringify({ current: 'default', profiles: [{ name: 'default', mode: 'AK', access_key_id: 'LTAI5tLu3AliceKey', access_key_secret: 'lu3-alice-secret', region_id: 'cn-hangzhou' }] }));
  for (const callerEnv of [{}, { ALIBABA_CLOUD_IGNORE_PROFILE: 'FALSE', ALIBABACLOUD_IGNORE_PROFILE: 'FALSE' }]) {
    const env = await rankEnvironment({ server, home }, callerEnv);
    assert.equal(env['ALIBABA_CLOUD_IGNORE_PROFILE'], 'TRUE', 'the aliyun CLI would load the submitter\'s current profile');
    assert.equal(env['ALIBABACLOUD_IGNORE_PROFILE'], 'TRUE', 'older aliyun CLIs read only this spelling');
    // With the profile ignored, the CLI's profile comes from the environment: the job's credentials URI.
    assert.match(env['ALIBABA_CLOUD_CREDENTIALS_URI'] ?? '', /\/v1\/credentials\//);
  }
});
