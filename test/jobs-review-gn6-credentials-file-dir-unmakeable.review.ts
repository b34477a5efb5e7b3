/**
 * Review gn, 6: `jobs run --credentials-file PATH` checks the path before it submits ("a path where nothing is yet
 * … its directory is made if missing", README §4), and took any directory it could not stat as one to make when the
 * file is first written. A directory that cannot be made passed: a path through a symbolic link to nothing (a volume
 * not mounted, `/mnt/.alibabacloud` linked to a missing disk), or under a file. The job was submitted and its ranks ran
 * without the file they were pointed at (`GATEHOUSE_CREDENTIALS_FILE`), the launcher saying only "could not refresh";
 * a rank reading credentials from that file found none. Now such a path is refused before anything is submitted
 * (exit 2, naming the directory and why), and no job is left behind; a directory that is only missing is still made.
 *
 * The CLI in process against a real server (startWorkspaceServer).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { gatehouseJson } from './support/resource-server.ts';
import type { TestServer } from './support/server.ts';
import { startWorkspaceServer } from './support/jobs-world.ts';

let server: TestServer;
let home: string;
let stop: (() => Promise<void>) | undefined;

before(async () => {
  ({ server, home, stop } = await startWorkspaceServer('gh-gn6-'));
  await symlink(join(home, 'unmounted-disk'), join(home, 'dangling'));
  await writeFile(join(home, 'a-file'), 'x');
});
after(async () => stop?.());

const run = (file: string, rank: readonly string[] = ['true']) =>
  gatehouseInProcess(['jobs', 'run', '--workspace', 'w', '--role', 'default', '--no-imds', '--credentials-file', file, '--', ...rank], {
    HOME: home,
    TMPDIR: home,
    PATH: process.env['PATH'],
    AWS_ACCESS_KEY_ID: server.admin.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey,
    GATEHOUSE_ENDPOINT: server.url,
  });

const jobCount = async (): Promise<number> => {
  const r = await gatehouseJson(server.url, server.admin, 'GET', '/v1/jobs');
  assert.equal(r.status, 200);
  return (r.json as { jobs: unknown[] }).jobs.length;
};

test('gn6: a credentials file whose directory cannot be made is refused before the job is submitted', async () => {
  const before = await jobCount();
  for (const [file, why] of [
    [join(home, 'dangling', 'credentials'), /symbolic link to .*unmounted-disk.*which does not exist/],
    [join(home, 'dangling', 'sub', 'credentials'), /symbolic link to .*unmounted-disk.*which does not exist/],
    [join(home, 'a-file', 'sub', 'credentials'), /a-file` is not a directory/],
  ] as const) {
    const r = await run(file);
    assert.equal(r.code, EXIT.usage, `${file}: ${r.stderr}`);
    assert.match(r.stderr, /--credentials-file `/, file);
    assert.match(r.stderr, why, file);
    assert.doesNotMatch(r.stderr, /gatehouse: job \w+ \(/, `${file}: a job was submitted`);
  }
  assert.equal(await jobCount(), before, 'no job is left behind');
});

test('gn6: a directory that is only missing is still made, and the rank reads its file there', async () => {
  const file = join(home, 'made', 'here', 'credentials');
  const out = join(home, 'seen');
  await mkdir(home, { recursive: true });
  const r = await run(file, [process.execPath, '-e', `require('node:fs').writeFileSync(${JSON.stringify(out)}, require('node:fs').readFileSync(process.env.GATEHOUSE_CREDENTIALS_FILE))`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(await readFile(out, 'utf8'), /"AccessKeyId"/);
});
