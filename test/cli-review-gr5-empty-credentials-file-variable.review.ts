/**
 * Review gr, 5: `gatehouse jobs run` with GATEHOUSE_CREDENTIALS_FILE set but empty (`GATEHOUSE_CREDENTIALS_FILE=
 * gatehouse jobs run …`, a script exporting an unset variable) took the empty string as the file's path. The check of
 * the path before submitting read it as unset, but the launcher resolved it to the working directory: each refresh
 * wrote a temporary file beside that directory and failed to rename it over a directory ("could not refresh"), and
 * the ranks were told GATEHOUSE_CREDENTIALS_FILE=<the working directory>, where no credentials ever were. Now an empty
 * variable is unset throughout: the ranks get the private per-job file, with the job's credentials in it.
 *
 * The CLI's executable, started in a directory of the test's own (the working directory is what the bug wrote
 * beside), against a real server on 127.0.0.1.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startWorkspaceServer } from './support/jobs-world.ts';
import { COMPILE_CACHE, GATEHOUSE_BIN, run } from './support/processes.ts';
import type { TestServer } from './support/server.ts';

let server: TestServer;
let home: string;
let stop: (() => Promise<void>) | undefined;

before(async () => {
  ({ server, home, stop } = await startWorkspaceServer('gh-gr5-'));
});
after(async () => stop?.());

test('gr5: an empty GATEHOUSE_CREDENTIALS_FILE is unset: the rank reads its credentials from the per-job file', async () => {
  const cwd = join(home, 'work');
  await mkdir(cwd);
  const out = join(home, 'seen.json');
  const rank = `const fs = require('node:fs'); const p = process.env.GATEHOUSE_CREDENTIALS_FILE; fs.writeFileSync(${JSON.stringify(out)}, JSON.stringify({ p, text: fs.readFileSync(p, 'utf8') }))`;
  const r = await run(process.execPath, [GATEHOUSE_BIN, 'jobs', 'run', '--workspace', 'w', '--role', 'default', '--no-imds', '--', process.execPath, '-e', rank], {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    TMPDIR: home,
    ...COMPILE_CACHE,
    AWS_ACCESS_KEY_ID: server.admin.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey,
    GATEHOUSE_ENDPOINT: server.url,
    GATEHOUSE_CREDENTIALS_FILE: '',
  }, { cwd, timeoutMs: 60_000, killSignal: 'SIGKILL' });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /could not refresh/);
  const seen = JSON.parse(await readFile(out, 'utf8')) as { p: string; text: string };
  assert.notEqual(seen.p, cwd, 'the rank was pointed at the working directory');
  assert.match(seen.text, /"AccessKeyId"/);
  assert.deepEqual((await readdir(home)).filter((f) => f.endsWith('.tmp')), [], 'no temporary file beside the working directory');
});
