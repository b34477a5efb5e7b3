/**
 * Review tm, 2: `gatehouse server backup --to DIR/missing/b.db` failed "UnwritableFile: cannot write beside
 * `DIR/missing/b.db`: ENOENT: no such file or directory, open 'DIR/missing/.b.db.8300.0b8b482bdeff.tmp'": the file named
 * was the hidden temporary copy the user never gave, and nothing said that the directory was what is missing (a path
 * through a file said ENOTDIR of the same hidden name). Contract: docs/errors.md "Backup and restore" (`UnwritableFile`:
 * a directory that is not there or not writable) and STYLE (an error names what is wrong and where). Now the refusal
 * names `--to`'s directory as absent (and the first missing ancestor), or the file in the path as no directory, before
 * the store is opened; no temporary name is shown and nothing is created.
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

describe('review tm2: a backup into a directory that is not there names the directory', () => {
  let dir = '';
  let data = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-tm2-'));
    data = join(dir, 'data');
    const s = await openSqliteStore({ dataDir: data });
    await s.close();
    await writeFile(join(dir, 'afile'), 'x\n');
  });
  after(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });
  const backup = (to: string) => gatehouseInProcess(['server', 'backup', '--data-dir', data, '--to', to], {});

  it('--to in a missing directory names the directory as not there, not the temporary file', async () => {
    const to = join(dir, 'missing', 'b.db');
    const r = await backup(to);
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.ok(r.stderr.includes(`UnwritableFile: --to \`${to}\`: the directory \`${join(dir, 'missing')}\` does not exist`), r.stderr);
    assert.doesNotMatch(r.stderr, /\.tmp|ENOENT/);
    assert.equal(existsSync(join(dir, 'missing')), false, 'nothing is created');
  });

  it('two levels missing: the first missing one is named too', async () => {
    const to = join(dir, 'a', 'b', 'c.db');
    const r = await backup(to);
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.ok(r.stderr.includes(`the directory \`${join(dir, 'a', 'b')}\` does not exist (nor \`${join(dir, 'a')}\`)`), r.stderr);
    assert.doesNotMatch(r.stderr, /\.tmp/);
  });

  it('a file in the path is named as no directory', async () => {
    const r = await backup(join(dir, 'afile', 'b.db'));
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.ok(r.stderr.includes(`\`${join(dir, 'afile')}\` is not a directory`), r.stderr);
    assert.doesNotMatch(r.stderr, /\.tmp|ENOTDIR/);
    assert.deepEqual((await readdir(dir)).sort(), ['afile', 'data']);
  });
});
