/**
 * Review lu, finding 2: a rank inherits the caller's home, and with it the logins the other clouds' tools keep there,
 * which the job's SDKs read when no variable says otherwise. `jobs run` points the AWS and Alibaba SDKs at the job's
 * own empty profile files so that "a default profile in `~/.aws` cannot stand in for the role" (README §4, reviews hp, 3
 * and 4), but a submitter who had run `gcloud auth application-default login` (the usual way to read GCS from a
 * laptop or a workstation) left `~/.config/gcloud/application_default_credentials.json`, which google-auth's
 * `default()` reads when `GOOGLE_APPLICATION_CREDENTIALS` is unset, from `$CLOUDSDK_CONFIG` else `~/.config/gcloud`
 * (googleapis/google-auth-library-python `google/auth/_cloud_sdk.py` `get_config_path`,
 * `get_application_default_credentials_path`; every Google client library, gcsfs and the gcloud CLI resolve it so):
 * every rank read GCS as the submitter. Likewise `az login`'s tokens in `~/.azure`, which `AzureCliCredential` (in
 * `DefaultAzureCredential`) and the az CLI read from `$AZURE_CONFIG_DIR` else `~/.azure` (Azure CLI "Environment
 * variables": `AZURE_CONFIG_DIR`). Now the ranks get `CLOUDSDK_CONFIG` and `AZURE_CONFIG_DIR` naming empty directories
 * of the job's own (the caller's values of those variables are not passed on), removed with the job's other files
 * when it ends.
 *
 * The real CLI in process against a real server; the rank resolves the ADC file and the az directory as those
 * libraries do. Before the fix 1 of 1 tests failed (the rank found the caller's gcloud and az logins).
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
  ({ server, home, stop } = await startWorkspaceServer('gh-lu2-'));
});
after(async () => stop?.());

test('lu2: the caller\'s gcloud application-default login and az login do not reach a rank', async () => {
  const adc = '{"type":"authorized_user","client_id":"lu2","client_secret":"lu2-secret","refresh_token":"lu2-alice-refresh-token"}';
  await mkdir(join(home, '.config', 'gcloud'), { recursive: true });
  await writeFile(join(home, '.config', 'gcloud', 'application_default_credentials.json'), adc);
  // A caller who keeps gcloud's configuration elsewhere (CLOUDSDK_CONFIG) and az's too (AZURE_CONFIG_DIR).
  const otherGcloud = join(home, 'other-gcloud');
  await mkdir(otherGcloud);
  await writeFile(join(otherGcloud, 'application_default_credentials.json'), adc);
  await mkdir(join(home, '.azure'));
  await writeFile(join(home, '.azure', 'msal_token_cache.json'), '{"RefreshToken":{"lu2":{"secret":"lu2-az-refresh-token"}}}');

  const out = join(home, 'rank.json');
  // Where google-auth and the az CLI look, resolved in the rank as they resolve it.
  const rank = `const {existsSync,readdirSync}=require('node:fs'),{join}=require('node:path'),e=process.env,h=require('node:os').homedir();
const gcloud=e.CLOUDSDK_CONFIG||join(h,'.config','gcloud'),azure=e.AZURE_CONFIG_DIR||join(h,'.azure');
require('node:fs').writeFileSync(${JSON.stringify(out)},JSON.stringify({gcloud,azure,adc:existsSync(join(gcloud,'application_default_credentials.json')),az:existsSync(azure)?readdirSync(azure):[]}))`;
  for (const callerEnv of [{}, { CLOUDSDK_CONFIG: otherGcloud, AZURE_CONFIG_DIR: join(home, '.azure') }]) {
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
    const seen = JSON.parse(await readFile(out, 'utf8')) as { gcloud: string; azure: string; adc: boolean; az: string[] };
    assert.equal(seen.adc, false, `a rank found the caller's application default credentials in ${seen.gcloud}`);
    assert.deepEqual(seen.az, [], `a rank found the caller's az login in ${seen.azure}`);
    // The job's own directories go with its other files.
    assert.ok(!existsSync(seen.gcloud) && !existsSync(seen.azure), `left behind: ${seen.gcloud}, ${seen.azure}`);
  }
  // The caller's own logins are left as they were.
  assert.ok(existsSync(join(home, '.config', 'gcloud', 'application_default_credentials.json')));
  assert.deepEqual(await readdir(join(home, '.azure')), ['msal_token_cache.json']);
});
