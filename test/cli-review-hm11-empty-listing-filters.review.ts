/**
 * Review hm, 11: `gatehouse jobs list --workspace "$WS"` with WS unset sent an empty filter, which the server reads as
 * none: it listed the jobs of every workspace, exit 0, as if they were the workspace's (a script stopping its
 * workspace's running jobs from that list stopped everyone's). An empty `--next` (jobs list) or `--after`
 * (iam-policy list, resource-policies list) started the listing again from the first, as if it went on. `audit query`
 * refuses its empty filters (review gh); these did not. Now each is a usage error naming the option (exit 2), nothing
 * sent; a value given still filters.
 *
 * The CLI in this process against a real server on 127.0.0.1 with jobs in two workspaces (submitted as the CLI submits
 * them, nothing launched).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { call } from '../src/adapters/cli/client.ts';
import { connectionAs } from './support/default-role-jobs.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startWorkspaceServer } from './support/jobs-world.ts';
import type { TestServer } from './support/server.ts';

describe('hm11: an empty listing filter or cursor', () => {
  let s: TestServer;
  let home: string;
  let stop: (() => Promise<void>) | undefined;
  before(async () => {
    ({ server: s, home, stop } = await startWorkspaceServer('gh-hm11-'));
    const admin = connectionAs(s, s.admin);
    assert.ok((await call(admin, 'PUT', ['workspaces', 'other'], { body: { members: [{ user: 'admin' }] } })).ok);
    for (const workspace of ['w', 'other']) {
      const r = await call(admin, 'POST', ['jobs'], { body: { workspace, role: 'none', imds: false } });
      assert.ok(r.ok, r.ok ? '' : r.message);
    }
  });
  after(async () => stop?.());

  const cli = (args: readonly string[]) => gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home }, { cwd: home });

  it('jobs list --workspace "": exit 2 naming it, not every workspace\'s jobs', async () => {
    for (const value of ['', ' ']) {
      const r = await cli(['jobs', 'list', '--workspace', value, '--json']);
      assert.equal(r.code, 2, r.stdout);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /--workspace is empty: give a workspace's name \(is a shell variable unset\?\), or leave --workspace out to list the jobs of every workspace/);
    }
    const one = await cli(['jobs', 'list', '--workspace', 'w', '--json']);
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual((JSON.parse(one.stdout) as { jobs: { workspace: string }[] }).jobs.map((j) => j.workspace), ['w']);
  });

  it('an empty --next or --after: exit 2 naming it', async () => {
    for (const args of [['jobs', 'list', '--next', ''], ['iam-policy', 'list', '--after', ''], ['resource-policies', 'list', '--after', '']]) {
      const r = await cli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, new RegExp(`${args[2] as string} is empty: .*\\(is a shell variable unset\\?\\), or leave ${args[2] as string} out to start from the first`));
    }
  });
});
