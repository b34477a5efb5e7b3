/**
 * Review sq, 3: with the data dir's `gatehouse.db` a symlink to the store on another disk (a larger or encrypted
 * volume; the server opens it through the link, and SQLite keeps its `-wal` and `-shm` beside the real file),
 * `gatehouse server restore` renamed the link aside and wrote the backup as a plain file in the data dir: the restored
 * store, every record of it, lived from then on on the data dir's disk, not the one the operator had put it on, and
 * the link was gone, all under "restored … into DIR/gatehouse.db". A link to a disk not mounted was replaced the same
 * way. A careful operator expects what `ln -s` promises: the file behind the link is the store, replaced in place,
 * atomically, the link kept. Contract: docs/decisions.md "Backup and restore of the SQLite store" (the backup in place
 * of the store, copied beside it and renamed in: one file system; the replaced store kept beside it) and README "Back
 * up and restore". Now the restore writes where the link leads (the copy beside the real file, renamed over it, the
 * replaced file kept there), says so, and refuses a link whose directory is not there, changing nothing.
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readdir, readlink, rename, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const mark = (file: string, value: string): void => {
  const db = new DatabaseSync(file);
  try {
    db.prepare("INSERT OR REPLACE INTO kv (kv_key, kv_value, updated) VALUES ('sq3/mark', ?, '2026-12-07T00:00:00Z')").run(value);
  } finally {
    db.close();
  }
};
const markOf = (file: string): string => {
  const db = new DatabaseSync(file);
  try {
    return String(db.prepare("SELECT kv_value FROM kv WHERE kv_key = 'sq3/mark'").get()?.['kv_value']);
  } finally {
    db.close();
  }
};

describe('review sq3: a restore keeps a symlinked store where the link leads', () => {
  let dir = '';
  let data = '';
  let disk = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-sq3-'));
    data = join(dir, 'data');
    disk = join(dir, 'disk');
    await mkdir(disk);
    await (await openSqliteStore({ dataDir: data })).close();
    await rename(join(data, 'gatehouse.db'), join(disk, 'gatehouse.db'));
    await symlink(join(disk, 'gatehouse.db'), join(data, 'gatehouse.db'));
    mark(join(data, 'gatehouse.db'), 'backup');
    const r = await gatehouseInProcess(['server', 'backup', '--data-dir', data, '--to', join(dir, 'backup.db')], {});
    assert.equal(r.code, 0, r.stderr);
    mark(join(data, 'gatehouse.db'), 'live');
  });
  after(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('replaces the file behind the link, keeps the link, and keeps the replaced store on its disk', async () => {
    const r = await gatehouseInProcess(['server', 'restore', '--data-dir', data, '--from', join(dir, 'backup.db')], {});
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const link = await lstat(join(data, 'gatehouse.db'));
    assert.ok(link.isSymbolicLink(), 'DIR/gatehouse.db is still the link');
    assert.equal(await readlink(join(data, 'gatehouse.db')), join(disk, 'gatehouse.db'));
    assert.deepEqual((await readdir(data)).filter((f) => f.startsWith('gatehouse.db') || f.startsWith('.gatehouse.db')), ['gatehouse.db'], 'nothing of the store is left in the data dir');
    assert.ok(r.stdout.includes(`the file written is ${join(disk, 'gatehouse.db')}`), r.stdout);
    const kept = /the store it replaced is kept as (\S+) \(rename it back/.exec(r.stdout)?.[1] ?? '';
    assert.ok(kept.startsWith(join(disk, 'gatehouse.db.replaced-')), kept);
    assert.ok((await lstat(kept)).isFile());
    assert.equal(markOf(kept), 'live');
    assert.equal(markOf(join(disk, 'gatehouse.db')), 'backup');
  });

  it('a link to a directory that is not there (a disk not mounted) is refused and left as it was', async () => {
    const other = join(dir, 'other');
    await mkdir(other);
    await symlink(join(dir, 'unmounted', 'gatehouse.db'), join(other, 'gatehouse.db'));
    const r = await gatehouseInProcess(['server', 'restore', '--data-dir', other, '--from', join(dir, 'backup.db')], {});
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.match(r.stderr, /UnwritableFile: `[^`]*gatehouse\.db` is a symlink to `[^`]*unmounted[^`]*`, whose directory is not there/);
    assert.ok((await lstat(join(other, 'gatehouse.db'))).isSymbolicLink());
    assert.deepEqual(await readdir(other), ['gatehouse.db']);
  });
});
