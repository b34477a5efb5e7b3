/**
 * Review mh, finding 3: a rank's DefaultAzureCredential signed in as the submitter through the Azure Developer CLI's login.
 *
 * Before the fix 1 of 1 tests failed.
 *
 * Review lu, 2 gave the ranks `AZURE_CONFIG_DIR` naming an empty directory of the job's own, so that `az login`'s tokens
 * in `~/.azure` do not become the job's identity through `AzureCliCredential`. But `DefaultAzureCredential` (the Azure
 * SDKs' default, and adlfs's, MLflow's and the Azure ML SDK's) tries `AzureDeveloperCliCredential` after it
 * (learn.microsoft.com, @azure/identity `DefaultAzureCredential`: "EnvironmentCredential, WorkloadIdentityCredential,
 * ManagedIdentityCredential, VisualStudioCodeCredential, AzureCliCredential, AzurePowerShellCredential,
 * AzureDeveloperCliCredential"; azure-identity for Python alike), which runs `azd auth token`; azd keeps its login in
 * `$AZD_CONFIG_DIR`, else `~/.azd` (Azure/azure-dev `GetUserConfigDir`; its MSAL cache in `auth/msal` there). With the
 * az login cut, the chain went on to a submitter's `azd auth login` and every rank held their Azure token. Now the
 * ranks get `AZD_CONFIG_DIR` naming an empty directory of the job's own (the caller's value is not passed on), removed
 * with the job's other files when it ends, as `AZURE_CONFIG_DIR` is.
 *
 * azd is not installed here: the real CLI in process against a real server, and the rank resolves azd's directory as azd
 * does and lists what is in it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestServer } from './support/server.ts';
import { startWorkspaceServer } from './support/jobs-world.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

let server: TestServer;
let home: string;
let stop: (() => Promise<void>) | undefined;

before(async () => {
  ({ server, home, stop } = await startWorkspaceServer('gh-mh3-'));
});
after(async () => stop?.());

test('mh3: the caller\'s azd login does not reach a rank, and the job\'s azd directory goes with the job', async () => {
  // `azd auth login`'s account and MSAL cache, in the default place and in one a caller named with AZD_CONFIG_DIR.
  const login = async (dir: string): Promise<void> => {
    await mkdir(join(dir, 'auth', 'msal'), { recursive: true });
    await writeFile(join(dir, 'config.json'), '{"auth":{"account":{"currentUser":{"homeAccountId":"mh3-alice"}}}}');
    await writeFile(join(dir, 'auth', 'msal', 'cache.json'), '{"RefreshToken":{"mh3":{"secret":"mh3-alice-azd-refresh-token"}}}');
  };
  await login(join(home, '.azd'));
  const otherAzd = join(home, 'other-azd');
  await login(otherAzd);

  const out = join(home, 'rank.json');
  const rank = `const {existsSync,readdirSync}=require('node:fs'),{join}=require('node:path'),e=process.env;
const azd=e.AZD_CONFIG_DIR||join(require('node:os').homedir(),'.azd');
require('node:fs').writeFileSync(${JSON.stringify(out)},JSON.stringify({azd,held:existsSync(azd)?readdirSync(azd):[]}))`;
  for (const callerEnv of [{}, { AZD_CONFIG_DIR: otherAzd }]) {
    const r = await gatehouseInProcess(['jobs', 'run', '--workspace', 'w', '--role', 'none', '--no-imds', '--', process.execPath, '-e', rank], {
      HOME: home,
      TMPDIR: home,
      PATH: process.env['PATH'],
      AWS_ACCESS_KEY_ID: server.admin.accessKeyId,
      AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey,
      GATEHOUSE_ENDPOINT: server.url,
      ...callerEnv,
    });
    assert.equal(r.code, 0, r.stderr);
    const seen = JSON.parse(await readFile(out, 'utf8')) as { azd: string; held: string[] };
    assert.deepEqual(seen.held, [], `a rank found the caller's azd login in ${seen.azd}`);
    assert.ok(!existsSync(seen.azd), `left behind: ${seen.azd}`);
  }
  // The caller's own logins are left as they were.
  assert.deepEqual((await readdir(join(home, '.azd'))).sort(), ['auth', 'config.json']);
  assert.deepEqual((await readdir(otherAzd)).sort(), ['auth', 'config.json']);
});
