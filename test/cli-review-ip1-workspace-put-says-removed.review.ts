/**
 * Review ip, 1 (cli): `gatehouse workspaces put NAME` creates or replaces the workspace (its help), so `workspaces put
 * vision --default-bucket arn:aws:s3:::new` on a workspace whose members were alice and the group ml saved it with no
 * member, printing only `workspace vision saved`, exit 0: everyone lost its jobs' default role without a word. The
 * replace is kept (the help promises it, and `--member` lists every member), but what it took away is now said:
 * `workspace vision saved; members removed: user:alice, group:ml`, and a default bucket or table project left out the
 * same way. A put that removes nothing prints as before; `--json` prints the saved workspace as before.
 *
 * The CLI in this process against a real server on 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('ip1: workspaces put says what the replace removed', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    for (const args of [['iam', 'users', 'create', 'alice'], ['iam', 'users', 'create', 'bob'], ['iam', 'groups', 'create', 'ml']]) assert.equal((await cli(args)).code, 0, args.join(' '));
  });
  after(async () => s?.stop());

  const cli = (args: readonly string[]) => gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home: s.dataDir });

  it('members left out are named as removed', async () => {
    const made = await cli(['workspaces', 'put', 'vision', '--member', 'user:alice', '--member', 'group:ml', '--member', 'user:bob']);
    assert.equal(made.code, 0, made.stderr);
    assert.equal(made.stdout, 'workspace vision saved\n', 'a new workspace removes nothing');
    const r = await cli(['workspaces', 'put', 'vision', '--member', 'user:bob', '--default-bucket', 'arn:aws:s3:::vision-data']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'workspace vision saved; members removed: user:alice, group:ml\n');
  });

  it('a default bucket and table project left out are named as removed; a put removing nothing says only saved', async () => {
    const made = await cli(['workspaces', 'put', 'w', '--member', 'user:alice', '--default-bucket', 'arn:aws:s3:::w-data', '--default-table-project', 'w_tables']);
    assert.equal(made.code, 0, made.stderr);
    const same = await cli(['workspaces', 'put', 'w', '--member', 'user:alice', '--default-bucket', 'arn:aws:s3:::w-data', '--default-table-project', 'w_tables']);
    assert.equal(same.stdout, 'workspace w saved\n');
    const r = await cli(['workspaces', 'put', 'w']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'workspace w saved; members removed: user:alice; default bucket removed: arn:aws:s3:::w-data; default table project removed: w_tables\n');
    const json = await cli(['workspaces', 'put', 'w', '--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.equal((JSON.parse(json.stdout) as { name: string }).name, 'w', '--json prints the workspace saved');
  });
});
