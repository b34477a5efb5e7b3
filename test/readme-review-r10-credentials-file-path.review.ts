/**
 * Review `readme`, R10: `gatehouse jobs run --credentials-file ./job-credentials` told the ranks
 * `GATEHOUSE_CREDENTIALS_FILE=./job-credentials`, the path as given, so a rank that changed directory no longer found
 * its credentials. Now the ranks get the absolute path. Through the real executable, run in a directory of its own,
 * against a real server (startJobsWorld); the rank is a node process that changes directory before reading the file.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startJobsWorld, ROLE_ARN, type JobsWorld } from './support/jobs-world.ts';
import { GATEHOUSE_BIN, gatehouseCliEnv, run } from './support/processes.ts';

let world: JobsWorld;

before(async () => {
  world = await startJobsWorld('gh-readme-r10-');
});
after(async () => {
  await world?.close();
});

test('R10: a relative --credentials-file reaches the ranks as an absolute path, readable after a chdir', async () => {
  const cwd = join(world.home, 'work');
  await mkdir(cwd);
  const rank = "const p=process.env.GATEHOUSE_CREDENTIALS_FILE;process.chdir('/');const d=JSON.parse(require('fs').readFileSync(p,'utf8'));console.log(JSON.stringify({p,key:Boolean(d.AccessKeyId)}))";
  const env = gatehouseCliEnv(world.alice, { endpoint: world.server.url, home: world.home });
  const r = await run(process.execPath, [GATEHOUSE_BIN, 'jobs', 'run', '--workspace', 'vision', '--role', ROLE_ARN, '--credentials-file', './job-credentials', '--', process.execPath, '-e', rank], env, { cwd, timeoutMs: 90_000 });
  assert.equal(r.code, 0, r.stderr);
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  assert.deepEqual(JSON.parse(line), { p: join(cwd, 'job-credentials'), key: true });
  assert.equal(existsSync(join(cwd, 'job-credentials')), false, 'removed when the job ended');
});
