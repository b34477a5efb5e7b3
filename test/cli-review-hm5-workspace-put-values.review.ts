/**
 * Review hm, 5: `gatehouse workspaces put` dropped what it could not use without a word, and the put replaces the
 * workspace: `--default-bucket "$BUCKET"` with BUCKET unset (an empty value) was left out of the request, so the
 * workspace was saved without its default bucket, the one it had removed, `workspace w saved`, exit 0 (its jobs'
 * default role then reaching no bucket); `--default-table-project ''` alike; and `--member user:alice:x` was cut at
 * its second colon (`split(':', 2)`) and added alice. Now an empty value is a usage error naming the option (exit 2),
 * as an empty name is (review cli, H7), nothing sent and the workspace as it was; a member's name is the whole rest,
 * which the server refuses as the user it names does not exist.
 *
 * The CLI in this process against a real server on 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('hm5: workspaces put with values it cannot use', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    assert.equal((await cli(['iam', 'users', 'create', 'alice'])).code, 0);
    const put = await cli(['workspaces', 'put', 'w', '--member', 'user:alice', '--default-bucket', 'arn:aws:s3:::w-data', '--default-table-project', 'w_tables']);
    assert.equal(put.code, 0, put.stderr);
  });
  after(async () => s?.stop());

  const cli = (args: readonly string[]) => gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home: s.dataDir });
  const workspace = async (): Promise<Record<string, unknown> | undefined> => {
    const r = await cli(['workspaces', 'list', '--json']);
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { workspaces: { name: string }[] }).workspaces.find((w) => w.name === 'w');
  };

  it('an empty --default-bucket or --default-table-project: exit 2 naming it; the workspace keeps its bucket', async () => {
    const before = await workspace();
    for (const flag of ['--default-bucket', '--default-table-project']) {
      const r = await cli(['workspaces', 'put', 'w', '--member', 'user:alice', flag, '']);
      assert.equal(r.code, 2, `${flag}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, new RegExp(`^gatehouse: ${flag} is empty \\(is a shell variable unset\\?\\): give a value, or leave ${flag} out for none\\n$`));
    }
    assert.deepEqual(await workspace(), before);
    assert.equal((before as { defaultBucket?: string }).defaultBucket, 'arn:aws:s3:::w-data');
  });

  it('--member user:alice:x names the user `alice:x`, not alice', async () => {
    const r = await cli(['workspaces', 'put', 'w2', '--member', 'user:alice:x']);
    assert.equal(r.code, 6, r.stderr);
    assert.match(r.stderr, /user `alice:x` does not exist/);
    const list = await cli(['workspaces', 'list', '--json']);
    assert.equal((JSON.parse(list.stdout) as { workspaces: { name: string }[] }).workspaces.some((w) => w.name === 'w2'), false);
  });
});
