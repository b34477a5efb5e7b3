/**
 * Review cj, finding 2: `gatehouse apply -f DIR` skipped, without a word, every symbolic link to a directory in DIR
 * (the directory listing said a link is not a directory, and its name does not end in .yaml). A GitOps repository
 * that links a shared folder into each environment's (`prod/shared -> ../shared`) had those documents left out, and
 * with `--prune` every object they define was deleted. Now a link to a directory is read as the directory it points to,
 * as a link to a file already was; a link that loops is refused, naming the path, instead of being followed forever.
 * The CLI's program in this process (test/support/gatehouse-cli.ts: the executable's directory reader) against a real
 * server on 127.0.0.1 (SQLite).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const group = (name: string) => `apiVersion: gatehouse.dev/v1\nkind: Group\nmetadata: {name: ${name}}\n`;

describe('review cj2: a symbolic link to a directory is read as that directory', () => {
  let s: TestServer;
  let dir: string;
  const cli = (...args: string[]) =>
    gatehouseInProcess(args, { PATH: process.env['PATH'] ?? '', AWS_ACCESS_KEY_ID: s.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: s.admin.secretAccessKey, GATEHOUSE_ENDPOINT: s.url });
  before(async () => {
    s = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'gh-cj2-'));
    await mkdir(join(dir, 'shared'));
    await writeFile(join(dir, 'shared', 'groups.yaml'), group('shared-group'));
    await mkdir(join(dir, 'prod'));
    await writeFile(join(dir, 'prod', 'groups.yaml'), group('prod-group'));
    await symlink('../shared', join(dir, 'prod', 'shared'));
    await mkdir(join(dir, 'loop'));
    await writeFile(join(dir, 'loop', 'g.yaml'), group('loop-group'));
    await symlink('.', join(dir, 'loop', 'again'));
  });
  after(async () => {
    await s?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('applies the documents of the linked folder; --prune then deletes nothing of them', async () => {
    const applied = await cli('apply', '-f', join(dir, 'prod'));
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /\+ create Group\/prod-group/);
    assert.match(applied.stdout, /\+ create Group\/shared-group/);
    const pruned = await cli('plan', '--prune', '--exit-code', '-f', join(dir, 'prod'));
    assert.equal(pruned.code, 0, pruned.stdout + pruned.stderr);
    assert.doesNotMatch(pruned.stdout, /- delete/);
  });

  it('a link that loops is refused with its path, and nothing is sent', async () => {
    const looped = await cli('plan', '-f', join(dir, 'loop'));
    assert.equal(looped.code, 5, looped.stdout + looped.stderr);
    assert.match(looped.stderr, /loop\/again\/again\/.*: directories nested more than \d+ deep; a symbolic link that loops\?/);
  });
});
