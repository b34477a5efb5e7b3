/**
 * Review gn, 8: `gatehouse jobs list --workspace visoin` (a typo of README §4's `vision`) printed the table's header
 * alone and exited 0, the same answer as a workspace that has run no job: the filter matches a job's workspace name,
 * and a name no workspace has matches nothing. As `audit query --principal NAME` says why nothing matched (review gh,
 * 4), the CLI now says, on stderr, when the listing is empty and the caller may see that no workspace has the name
 * (`GET /v1/workspaces/NAME` answers 404): jobs of a deleted workspace keep its name, so the listing itself is not
 * refused. A workspace that exists, or one the caller may not read, gets no such word; `--json` prints the answer alone.
 *
 * The CLI in process against a real server.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import type { TestServer } from './support/server.ts';
import { startWorkspaceServer } from './support/jobs-world.ts';

let server: TestServer;
let home: string;
let stop: (() => Promise<void>) | undefined;

before(async () => {
  ({ server, home, stop } = await startWorkspaceServer('gh-gn8-'));
});
after(async () => stop?.());

const list = (...args: string[]) => gatehouseCliInProcess(['jobs', 'list', ...args], server.admin, { endpoint: server.url, home });

test('gn8: jobs list of a workspace no one has says so', async () => {
  const r = await list('--workspace', 'wx');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ID\s+NAME/);
  assert.match(r.stderr, /no jobs: there is no workspace `wx` in your account/, r.stderr);
  assert.match(r.stderr, /gatehouse workspaces list/, r.stderr);
});

test('gn8: a workspace that exists, or --json, gets no such word', async () => {
  const r = await list('--workspace', 'w');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const j = await list('--workspace', 'wx', '--json');
  assert.equal(j.code, 0, j.stderr);
  assert.equal(j.stderr, '');
  assert.deepEqual((JSON.parse(j.stdout) as { jobs: unknown[] }).jobs, []);
});
