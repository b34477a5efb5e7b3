/**
 * Review mg, finding 1: a rank's ossutil and s3cmd signed as the submitter. `jobs run` points the AWS and Alibaba SDKs
 * at the job's own empty profile files (README §4, reviews hp, 3 and 4; lu, 2 and 3) so that nothing in the caller's
 * home stands in for the job's role, but the two object-storage command-line tools most often called from a training
 * script keep their keys elsewhere and were left to find them:
 * - ossutil 2.0 reads its configuration from `--config-file`, else `OSSUTIL_CONFIG_FILE`, else `~/.ossutilconfig`
 *   (where `ossutil config` writes the user's AccessKey), and its profile from `--profile`, else `OSSUTIL_PROFILE`
 *   (Alibaba Cloud OSS docs, "ossutil 2.0 new features": environment variables for config-file and profile; "Configure
 *   ossutil": the variables table `OSSUTIL_CONFIG_FILE` → config-file, `OSSUTIL_PROFILE` → profile, `OSS_ROLE_ARN` →
 *   ram-role-arn, `OSS_ROLE_SESSION_NAME` → role-session-name);
 * - s3cmd reads `--config`, else `S3CMD_CONFIG`, else `$HOME/.s3cfg` (s3tools/s3cmd: `-c FILE, --config=FILE  Config
 *   file name. Defaults to $HOME/.s3cfg`, the `S3CMD_CONFIG` variable before it), where `s3cmd --configure` writes
 *   `access_key`/`secret_key`.
 * So `ossutil cp oss://…` or `s3cmd put … s3://…` in a rank ran with the submitter's own long-term key, not the job's
 * role (DESIGN.md "Job environment": a job runs as its role only); and a caller's `OSSUTIL_CONFIG_FILE`,
 * `OSSUTIL_PROFILE`, `S3CMD_CONFIG` or `OSS_ROLE_ARN` was passed on as well. Now the ranks get `OSSUTIL_CONFIG_FILE` and
 * `S3CMD_CONFIG` naming files of the job's own without keys (removed when the job ends), and the caller's
 * `OSSUTIL_PROFILE`, `OSS_ROLE_ARN` and `OSS_ROLE_SESSION_NAME` are not passed on.
 *
 * ossutil and s3cmd are not installed here: the real CLI in process against a real server, and the rank resolves the
 * configuration file as those tools do and reports whether it holds a key. Before the fix 1 of 1 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestServer } from './support/server.ts';
import { startWorkspaceServer } from './support/jobs-world.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

let server: TestServer;
let home: string;
let stop: (() => Promise<void>) | undefined;

before(async () => {
  ({ server, home, stop } = await startWorkspaceServer('gh-mg1-'));
});
after(async () => stop?.());

test('mg1: a rank\'s ossutil and s3cmd find no key of the submitter\'s, in the home or where the caller pointed them', async () => {
  // What `ossutil config` and `s3cmd --configure` leave in the home, and a second copy the caller names by variable.
  const ossutil = '[default]\naccessKeyID = LTAI5tMg1AliceKey\naccessKeySecret = mg1-alice-oss-secret\nregion = cn-hangzhou\n';
  const s3cfg = '[default]\naccess_key = AKIAMG1ALICEKEY00000\nsecret_key = mg1-alice-s3-secret\n';
  await writeFile(join(home, '.ossutilconfig'), ossutil);
  await writeFile(join(home, '.s3cfg'), s3cfg);
  await writeFile(join(home, 'other-ossutil'), ossutil);
  await writeFile(join(home, 'other-s3cfg'), s3cfg);

  const out = join(home, 'rank.json');
  // Where ossutil 2.0 and s3cmd look, resolved in the rank as they resolve it.
  const rank = `const fs=require('node:fs'),{join}=require('node:path'),e=process.env,h=require('node:os').homedir();
const ossutil=e.OSSUTIL_CONFIG_FILE||join(h,'.ossutilconfig'),s3cmd=e.S3CMD_CONFIG||join(h,'.s3cfg');
const read=(f)=>{try{return fs.readFileSync(f,'utf8')}catch{return ''}};
fs.writeFileSync(${JSON.stringify(out)},JSON.stringify({ossutil,s3cmd,ossutilKey:/accessKey(ID|Secret)\\s*=/i.test(read(ossutil)),s3cmdKey:/(access|secret)_key\\s*=/.test(read(s3cmd)),exist:[fs.existsSync(ossutil),fs.existsSync(s3cmd)],profile:e.OSSUTIL_PROFILE,roleArn:e.OSS_ROLE_ARN,roleSession:e.OSS_ROLE_SESSION_NAME}))`;
  const pointed = { OSSUTIL_CONFIG_FILE: join(home, 'other-ossutil'), OSSUTIL_PROFILE: 'prod', S3CMD_CONFIG: join(home, 'other-s3cfg'), OSS_ROLE_ARN: 'acs:ram::123456789012:role/admin', OSS_ROLE_SESSION_NAME: 'alice' };
  for (const callerEnv of [{}, pointed]) {
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
    const seen = JSON.parse(await readFile(out, 'utf8')) as { ossutil: string; s3cmd: string; ossutilKey: boolean; s3cmdKey: boolean; exist: boolean[]; profile?: string; roleArn?: string; roleSession?: string };
    assert.equal(seen.ossutilKey, false, `a rank's ossutil found the submitter's AccessKey in ${seen.ossutil}`);
    assert.equal(seen.s3cmdKey, false, `a rank's s3cmd found the submitter's key in ${seen.s3cmd}`);
    // Files of the job's own, which exist while it runs (the tools fail on a missing one: s3cmd exits "Configuration
    // file not available").
    assert.ok(![join(home, '.ossutilconfig'), join(home, 'other-ossutil')].includes(seen.ossutil), seen.ossutil);
    assert.ok(![join(home, '.s3cfg'), join(home, 'other-s3cfg')].includes(seen.s3cmd), seen.s3cmd);
    assert.deepEqual(seen.exist, [true, true], 'the job\'s files are there while it runs');
    assert.deepEqual([seen.profile, seen.roleArn, seen.roleSession], [undefined, undefined, undefined], 'the caller\'s ossutil profile and role settings are not passed on');
    // The job's own files go with its other files.
    assert.ok(!existsSync(seen.ossutil) && !existsSync(seen.s3cmd), `left behind: ${seen.ossutil}, ${seen.s3cmd}`);
  }
  // The caller's own files are left as they were.
  assert.equal(await readFile(join(home, '.ossutilconfig'), 'utf8'), ossutil);
  assert.equal(await readFile(join(home, '.s3cfg'), 'utf8'), s3cfg);
});
