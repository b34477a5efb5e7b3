/**
 * Review gr, 12: `gatehouse jobs run --credentials-file DIR/sub/credentials` makes the directories that are not there
 * yet (owner-only) and removes the file when the job ends, but left the directories it had made, empty, after every
 * job: a per-job path (`/tmp/jobs/$RUN_ID/credentials`) left one directory a run behind. Now the directories the
 * launcher made go with the file at the end, each only if nothing else is in it; directories that were there stay.
 *
 * The CLI in this process against a real server on 127.0.0.1 (startWorkspaceServer).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { startWorkspaceServer } from './support/jobs-world.ts';
import type { TestServer } from './support/server.ts';

let server: TestServer;
let home: string;
let stop: (() => Promise<void>) | undefined;

before(async () => {
  ({ server, home, stop } = await startWorkspaceServer('gh-gr12-'));
});
after(async () => stop?.());

const run = (file: string, rank: readonly string[]) =>
  gatehouseInProcess(['jobs', 'run', '--workspace', 'w', '--role', 'default', '--no-imds', '--credentials-file', file, '--', ...rank], {
    HOME: home,
    TMPDIR: home,
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    AWS_ACCESS_KEY_ID: server.admin.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey,
    GATEHOUSE_ENDPOINT: server.url,
  });

test('gr12: the directories made for the credentials file are removed with it at the end of the job', async () => {
  await mkdir(join(home, 'runs'));
  const file = join(home, 'runs', 'run-1', 'job', 'credentials');
  const seen = join(home, 'seen');
  const r = await run(file, [process.execPath, '-e', `require('node:fs').copyFileSync(process.env.GATEHOUSE_CREDENTIALS_FILE, ${JSON.stringify(seen)})`]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(seen), 'the rank read the file');
  assert.deepEqual(await readdir(join(home, 'runs')), [], 'the directories made for the file were left behind');
});

test('gr12: a made directory something else was put in stays, with it', async () => {
  const dir = join(home, 'shared', 'creds');
  const other = join(home, 'shared', 'notes.txt');
  const r = await run(join(dir, 'credentials'), ['/bin/sh', '-c', `echo mine > '${other}'`]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!existsSync(dir), 'the empty directory goes');
  assert.ok(existsSync(other), 'what the job put beside it stays');
});
