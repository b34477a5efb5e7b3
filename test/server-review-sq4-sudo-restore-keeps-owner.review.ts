/**
 * Review sq, 4: `sudo gatehouse server restore` (the data dir is the service user's, 0700, so an operator restores as
 * root) wrote the restored store as a new file, root's, mode 0600, and renamed it in: the server, started again as its
 * own user, could not open the store it had just been told was restored ("unable to open database file") and did not
 * start. `sqlite3 .restore` writes into the file and keeps its owner; SQLite itself, run as root, gives the journals it
 * makes the owner of their database (os_unix.c, robustFchown). Contract: docs/decisions.md "Backup and restore of the
 * SQLite store" (the backup put in place of the store, for the data dir's server to serve: "start the server on the
 * data dir to serve it", the command says). Now, run as root, the restored file gets the owner and group of the file it
 * replaces, or of the directory it is written in when there was none. Run as root only (the machine's user here); as
 * another user a process can give a file to no one else.
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const SERVICE = 65534;
const asRoot = process.getuid?.() === 0;

describe('review sq4: a restore run as root leaves a store the server, run as its user, opens', { skip: asRoot ? false : 'run as root only' }, () => {
  let dir = '';
  let backup = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-sq4-'));
    await chmod(dir, 0o755);
    const made = join(dir, 'made');
    await (await openSqliteStore({ dataDir: made })).close();
    backup = join(dir, 'backup.db');
    const r = await gatehouseInProcess(['server', 'backup', '--data-dir', made, '--to', backup], {});
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  /** Whether the service user opens `file` read-write, as the server does, or SQLite's message. */
  const opensAsService = (file: string): string => {
    const code = `const { DatabaseSync } = require('node:sqlite'); try { const db = new DatabaseSync(${JSON.stringify(file)}); db.exec('BEGIN IMMEDIATE'); db.exec('ROLLBACK'); db.close(); console.log('opened'); } catch (e) { console.log(e.message); }`;
    return spawnSync(process.execPath, ['--no-warnings', '-e', code], { uid: SERVICE, gid: SERVICE, encoding: 'utf8' }).stdout.trim();
  };

  it("the restored store has the owner and group of the store it replaced, and the service user opens it", async () => {
    const data = join(dir, 'data');
    await (await openSqliteStore({ dataDir: data })).close();
    await chown(data, SERVICE, SERVICE);
    await chown(join(data, 'gatehouse.db'), SERVICE, SERVICE);
    const r = await gatehouseInProcess(['server', 'restore', '--data-dir', data, '--from', backup], {});
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const s = await stat(join(data, 'gatehouse.db'));
    assert.deepEqual([s.uid, s.gid, s.mode & 0o777], [SERVICE, SERVICE, 0o600]);
    assert.equal(opensAsService(join(data, 'gatehouse.db')), 'opened');
  });

  it("with no store to replace, the restored store has the data dir's owner", async () => {
    const data = join(dir, 'empty');
    await mkdir(data, { mode: 0o700 });
    await chown(data, SERVICE, SERVICE);
    const r = await gatehouseInProcess(['server', 'restore', '--data-dir', data, '--from', backup], {});
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const s = await stat(join(data, 'gatehouse.db'));
    assert.deepEqual([s.uid, s.gid], [SERVICE, SERVICE]);
    assert.equal(opensAsService(join(data, 'gatehouse.db')), 'opened');
  });
});
