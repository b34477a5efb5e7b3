/**
 * Review gr, 10: `gatehouse jobs run --credentials-file "$F"` (and `clusters run-node`) with F unset gave an empty
 * path, which resolved to the working directory and was refused as a path where something exists ("`/home/me/proj`
 * exists: it is left as it is, never written over", exit 7): true, and no help to find the unset variable. Now an
 * empty `--credentials-file` is a usage error saying so (exit 2), as an empty `--out` or `--data-dir` is; nothing is
 * submitted.
 *
 * The CLI in this process against a real server on 127.0.0.1.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { startWorkspaceServer } from './support/jobs-world.ts';
import { gatehouseJson } from './support/resource-server.ts';
import type { TestServer } from './support/server.ts';

let server: TestServer;
let home: string;
let stop: (() => Promise<void>) | undefined;

before(async () => {
  ({ server, home, stop } = await startWorkspaceServer('gh-gr10-'));
});
after(async () => stop?.());

test('gr10: an empty --credentials-file is refused as empty, and no job is submitted', async () => {
  const env = { HOME: home, TMPDIR: home, PATH: process.env['PATH'] ?? '/usr/bin:/bin', AWS_ACCESS_KEY_ID: server.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey, GATEHOUSE_ENDPOINT: server.url };
  const jobs = async () => ((await gatehouseJson(server.url, server.admin, 'GET', '/v1/jobs')).json as { jobs: unknown[] }).jobs.length;
  const before = await jobs();
  for (const args of [
    ['jobs', 'run', '--workspace', 'w', '--credentials-file', '', '--', 'true'],
    ['clusters', 'run-node', '--cluster', 'c1', '--credentials-file', ' ', '--', 'true'],
  ]) {
    const r = await gatehouseInProcess(args, env);
    assert.equal(r.code, EXIT.usage, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /--credentials-file is empty/);
  }
  assert.equal(await jobs(), before);
});
