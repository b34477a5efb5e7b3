/**
 * Review gr, 14: `gatehouse jobs run --credentials-file /tmp/creds` took a path in a directory every user may write.
 * The path was checked (nothing there) before the job was submitted, and written by a rename afterwards; another user
 * who put a file at that name in between (the sticky bit of /tmp keeps them from removing this user's entries, not from
 * making the name first) made every write fail ("could not refresh"), and the ranks, started all the same and told
 * GATEHOUSE_CREDENTIALS_FILE=/tmp/creds, read that user's file: credentials of their choosing, so the job's
 * checkpoints went where they said. A missing directory under such a place (`/tmp/run1/creds`) was the same: the other
 * user made it first, as theirs. Now a credentials file whose directory, or nearest existing ancestor, others may
 * write is refused before anything is submitted (exit 2, naming the directory and its mode); the per-job default and
 * directories only the user can write are unchanged.
 *
 * The CLI in this process against a real server on 127.0.0.1 (startWorkspaceServer).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { startWorkspaceServer } from './support/jobs-world.ts';
import { gatehouseJson } from './support/resource-server.ts';
import type { TestServer } from './support/server.ts';

let server: TestServer;
let home: string;
let stop: (() => Promise<void>) | undefined;

before(async () => {
  ({ server, home, stop } = await startWorkspaceServer('gh-gr14-'));
});
after(async () => stop?.());

const run = (file: string) =>
  gatehouseInProcess(['jobs', 'run', '--workspace', 'w', '--role', 'default', '--no-imds', '--credentials-file', file, '--', 'true'], {
    HOME: home,
    TMPDIR: home,
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    AWS_ACCESS_KEY_ID: server.admin.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey,
    GATEHOUSE_ENDPOINT: server.url,
  });

test('gr14: a credentials file in a directory others may write is refused before the job is submitted', async () => {
  const shared = join(home, 'shared-tmp');
  await mkdir(shared);
  await chmod(shared, 0o1777);
  const jobs = async () => ((await gatehouseJson(server.url, server.admin, 'GET', '/v1/jobs')).json as { jobs: unknown[] }).jobs.length;
  const before = await jobs();
  for (const file of [join(shared, 'creds'), join(shared, 'run-1', 'creds')]) {
    const r = await run(file);
    assert.equal(r.code, EXIT.usage, `${file}: ${r.stderr}`);
    assert.match(r.stderr, /shared-tmp` may be written by other users \(mode 1777\)/, file);
  }
  assert.equal(await jobs(), before, 'no job is left behind');
});

test('gr14: a directory only the user can write is still taken', async () => {
  const own = join(home, 'own');
  await mkdir(own, { mode: 0o755 });
  const r = await run(join(own, 'creds'));
  assert.equal(r.code, 0, r.stderr);
});
