/**
 * Review iz, finding 6: `gatehouse jobs run --name "$NAME" …` with NAME unset or empty submitted the job and ran it
 * under the default name `job-<id>`, without a word: the empty value was dropped as if `--name` had not been given,
 * while every other empty value of the job commands (`--workspace`, `--credentials-file`, `jobs list --workspace`) is
 * refused as a usage error, and the API refuses an empty `name` (400). A script that filters or reports its jobs by
 * name lost track of the job. Now `--name ""` is refused (exit 2, "is a shell variable unset?") before anything is
 * submitted.
 *
 * The real CLI in process against a real server. Before the fix 1 of 1 test failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, type TestServer } from './support/server.ts';
import { startWorkspaceServer } from './support/jobs-world.ts';

let server: TestServer;
let stop: (() => Promise<void>) | undefined;

before(async () => {
  ({ server, stop } = await startWorkspaceServer('gh-iz6-'));
});
after(async () => stop?.());

test('iz6: jobs run --name "" is a usage error and submits nothing; the API refuses it too', async () => {
  for (const name of ['', '  ']) {
    const r = await cliAgainst(server, ['jobs', 'run', '--workspace', 'w', '--role', 'none', '--no-imds', '--name', name, '--', process.execPath, '-e', '0']);
    assert.equal(r.status, 2, r.err);
    assert.match(r.err, /--name is empty: give the job's name \(is a shell variable unset\?\), or leave --name out for the default, job-<id>/);
  }
  const listed = await gatehouseJson(server.url, server.admin, 'GET', '/v1/jobs');
  assert.deepEqual(listed.json['jobs'], [], 'no job was submitted');
  const api = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'w', role: 'none', name: '', imds: false });
  assert.equal(api.status, 400, JSON.stringify(api.json));
  // A name given is the job's.
  const named = await cliAgainst(server, ['jobs', 'run', '--workspace', 'w', '--role', 'none', '--no-imds', '--name', 'nightly-1', '--', process.execPath, '-e', '0']);
  assert.equal(named.status, 0, named.err);
  assert.match(named.err, /\(nightly-1\) in workspace w/);
});
