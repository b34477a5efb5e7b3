/**
 * Review uc, 3: `gatehouse server backup --to DIR/NAME` with a NAME its file system takes (up to 255 bytes, NAME_MAX)
 * but longer than about 229 bytes (a descriptive name; 77 CJK characters are 231 bytes of UTF-8) was refused:
 * "UnwritableFile: cannot write beside `DIR/NAME`: a file cannot be created in the directory `DIR` (ENAMETOOLONG)". The
 * directory was fine and the name valid: the hidden temporary file the backup is first written to is named
 * `.NAME.PID.HEX.tmp`, 26 bytes longer. A NAME longer than the file system takes (and such a --from of `server restore`)
 * was an internal error, exit 70 with a stack: ENAMETOOLONG thrown by a stat of it.
 * Contract: docs/errors.md "Backup and restore" (`UnwritableFile` names what cannot be written: --to's directory,
 * never the hidden temporary file; review tm, 2), STYLE (an error says what is wrong). Now the temporary name keeps a
 * shortened NAME, so any name the file system takes can be written, and a name it does not take is said to be too long
 * (exit 5), before anything is read or made.
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

describe('review uc3: a backup to a long file name', () => {
  let dir = '';
  let data = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-uc3-'));
    data = join(dir, 'data');
    const s = await openSqliteStore({ dataDir: data });
    await s.close();
  });
  after(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });
  const backup = (to: string) => gatehouseInProcess(['server', 'backup', '--data-dir', data, '--to', to], {});

  it('a name of 249 bytes (82 CJK characters and .db) the file system takes is written', async () => {
    const out = join(dir, 'ok');
    await mkdir(out);
    const name = `${'备份'.repeat(40)}网关.db`;
    assert.equal(Buffer.byteLength(name), 249);
    const to = join(out, name);
    const r = await backup(to);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(await readdir(out), [name]);
    const db = new DatabaseSync(to, { readOnly: true });
    try {
      assert.equal(String(Object.values(db.prepare('PRAGMA quick_check').get() ?? {})[0]), 'ok');
    } finally {
      db.close();
    }
  });

  it('a name longer than the file system takes is said to be too long, not the directory unwritable', async () => {
    const out = join(dir, 'long');
    await mkdir(out);
    const name = `${'b'.repeat(300)}.db`;
    const r = await backup(join(out, name));
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.match(r.stderr, /UnwritableFile: .*the name `b{300}\.db` is longer than the file system of `[^`]*` takes \(ENAMETOOLONG\): give --to a shorter name/);
    assert.doesNotMatch(r.stderr, /cannot be created in the directory|\.tmp/);
    assert.deepEqual(await readdir(out), []);
    assert.equal(existsSync(join(out, name.slice(0, 10))), false);
  });

  it('restore --from a name longer than the file system takes: said so, no internal error', async () => {
    const from = join(dir, `${'b'.repeat(300)}.db`);
    const r = await gatehouseInProcess(['server', 'restore', '--data-dir', data, '--from', from], {});
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.ok(r.stderr.includes('NotAGatehouseStore: --from `'), r.stderr);
    assert.match(r.stderr, /is longer than the file system of `[^`]*` takes \(ENAMETOOLONG\): give --from a shorter name/);
    assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
  });
});
