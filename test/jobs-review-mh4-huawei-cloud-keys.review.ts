/**
 * Review mh, finding 4: Huawei Cloud's keys, OIDC token and credentials file in the caller's environment and home reached every rank.
 *
 * Before the fix 1 of 1 tests failed.
 *
 * Reviews lu, 1 and mh, 2 cut the other clouds' identities from a rank ("a job runs as its role only", DESIGN.md "Job
 * environment"): Google's, Azure's, Tencent Cloud's. Huawei Cloud's were left. Its SDKs' default chain
 * (huaweicloud-sdk-python-v3 / -go-v3 / -java-v3 `core/auth/provider`) reads, in order:
 * - `EnvCredentialProvider`: `HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK`, `HUAWEICLOUD_SDK_SECURITY_TOKEN`, or a federated
 *   `HUAWEICLOUD_SDK_IDP_ID` with `HUAWEICLOUD_SDK_ID_TOKEN_FILE`;
 * - `ProfileCredentialProvider`: the file `HUAWEICLOUD_SDK_CREDENTIALS_FILE` names, else `~/.huaweicloud/credentials`
 *   (`[basic]`/`[global]` with `ak`, `sk`; "the path to the profile can be modified by configuring the environment
 *   variable HUAWEICLOUD_SDK_CREDENTIALS_FILE", the SDK's user manual §2.4.2);
 * - the OIDC agency of `HUAWEICLOUD_OIDC_PROVIDER_URN`, `HUAWEICLOUD_OIDC_AGENCY_URN` with `HUAWEICLOUD_OIDC_ID_TOKEN` or
 *   `HUAWEICLOUD_OIDC_TOKEN_FILE`;
 * and obsutil (and esdk-obs's `ENV` security provider) read `OBS_ACCESS_KEY_ID`, `OBS_SECRET_ACCESS_KEY`,
 * `OBS_SECURITY_TOKEN` (Huawei Cloud OBS docs, "Configuring Auto Obtaining of Access Keys for obsutil"). A rank's OBS
 * client or Huawei SDK signed as the submitter. Now those variables are cut, and `HUAWEICLOUD_SDK_CREDENTIALS_FILE` names
 * a keyless file of the job's own (removed when it ends), as `ALIBABA_CLOUD_CREDENTIALS_FILE` does; the project and
 * domain ids, which name no secret, are kept.
 *
 * The real CLI in process against a real server; the rank resolves the profile file as the SDK does and reports its
 * environment and whether that file holds a key.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestServer } from './support/server.ts';
import { startWorkspaceServer } from './support/jobs-world.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

let server: TestServer;
let home: string;
let stop: (() => Promise<void>) | undefined;

before(async () => {
  ({ server, home, stop } = await startWorkspaceServer('gh-mh4-'));
});
after(async () => stop?.());

test('mh4: the caller\'s Huawei Cloud keys, OIDC token and credentials file do not reach a rank, its project and domain do', async () => {
  const profile = '[basic]\nak = MH4ALICEHUAWEIAK\nsk = mh4-alice-huawei-sk\n';
  await mkdir(join(home, '.huaweicloud'));
  await writeFile(join(home, '.huaweicloud', 'credentials'), profile);
  const otherFile = join(home, 'other-huawei-credentials');
  await writeFile(otherFile, profile);
  const secrets = {
    HUAWEICLOUD_SDK_AK: 'MH4ALICEHUAWEIAK',
    HUAWEICLOUD_SDK_SK: 'mh4-alice-huawei-sk',
    HUAWEICLOUD_SDK_SECURITY_TOKEN: 'mh4-alice-huawei-token',
    HUAWEICLOUD_SDK_IDP_ID: 'mh4-idp',
    HUAWEICLOUD_SDK_ID_TOKEN_FILE: join(home, 'mh4-id-token'),
    HUAWEICLOUD_OIDC_PROVIDER_URN: 'iam::mh4:identityprovider:mh4',
    HUAWEICLOUD_OIDC_AGENCY_URN: 'iam::mh4:agency:mh4',
    HUAWEICLOUD_OIDC_ID_TOKEN: 'mh4-alice-oidc-token',
    HUAWEICLOUD_OIDC_TOKEN_FILE: join(home, 'mh4-oidc-token'),
    OBS_ACCESS_KEY_ID: 'MH4ALICEOBSAK',
    OBS_SECRET_ACCESS_KEY: 'mh4-alice-obs-sk',
    OBS_SECURITY_TOKEN: 'mh4-alice-obs-token',
  };
  const settings = { HUAWEICLOUD_SDK_PROJECT_ID: 'mh4-project', HUAWEICLOUD_SDK_DOMAIN_ID: 'mh4-domain', HARMLESS: 'kept' };

  const out = join(home, 'rank.json');
  const rank = `const {existsSync,readFileSync,writeFileSync}=require('node:fs'),{join}=require('node:path'),e=process.env;
const file=e.HUAWEICLOUD_SDK_CREDENTIALS_FILE||join(require('node:os').homedir(),'.huaweicloud','credentials');
writeFileSync(${JSON.stringify(out)},JSON.stringify({env:e,file,key:existsSync(file)&&/^\\s*ak\\s*=/m.test(readFileSync(file,'utf8'))}))`;
  for (const callerEnv of [{}, { HUAWEICLOUD_SDK_CREDENTIALS_FILE: otherFile }]) {
    const r = await gatehouseInProcess(['jobs', 'run', '--workspace', 'w', '--role', 'none', '--no-imds', '--', process.execPath, '-e', rank], {
      HOME: home,
      TMPDIR: home,
      PATH: process.env['PATH'],
      AWS_ACCESS_KEY_ID: server.admin.accessKeyId,
      AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey,
      GATEHOUSE_ENDPOINT: server.url,
      ...secrets,
      ...settings,
      ...callerEnv,
    });
    assert.equal(r.code, 0, r.stderr);
    const seen = JSON.parse(await readFile(out, 'utf8')) as { env: Record<string, string>; file: string; key: boolean };
    const reached = Object.keys(secrets).filter((k) => seen.env[k] !== undefined);
    assert.deepEqual(reached, [], `a rank was given the submitter's ${reached.join(', ')}`);
    assert.equal(seen.key, false, `a rank's Huawei SDK found the submitter's key in ${seen.file}`);
    for (const [k, v] of Object.entries(settings)) assert.equal(seen.env[k], v, `${k} names no secret and is kept`);
    assert.ok(!existsSync(seen.file), `left behind: ${seen.file}`);
  }
});
