/**
 * Review uc, 2: `gatehouse server backup --to /dev/stdout` (to pipe the backup into gzip or ssh, as `pg_dump` is used)
 * said "BackupExists: `/dev/stdout` exists: give another --to, or --force to replace it", and with --force the backup
 * was written beside it (`/dev/.stdout.PID.HEX.tmp`) and renamed over it: run as root, as in most containers, the
 * /dev/stdout link (or /dev/null, a device) was replaced by a regular file holding every record of the store, and
 * nothing went down the pipe. A named pipe (FIFO) given as --to, or a link to one, was replaced the same way, its
 * reader never given a byte. Contract: docs/decisions.md "Backup and restore of the SQLite store" (the backup is a
 * file, written beside --to and put in place whole), docs/errors.md "Backup and restore" (`UnwritableFile`: --to
 * cannot take the backup), STYLE (an error says what is wrong and what to do; a refusal must not invite --force onto
 * something --force destroys). Now --to that is no regular file (a device, a pipe, a socket, through a link too) is
 * refused, --force or not, naming what it is, before the store is read; nothing is made or replaced.
 * Only cases harmless to the machine are run (no --force at /dev).
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstatSync, statSync } from 'node:fs';
import { mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

describe('review uc2: a backup --to that is no file (a device, a pipe) is refused, --force or not', () => {
  let dir = '';
  let data = '';
  let fifo = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-uc2-'));
    data = join(dir, 'data');
    const s = await openSqliteStore({ dataDir: data });
    await s.close();
    fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    await symlink(fifo, join(dir, 'to-pipe'));
  });
  after(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });
  const backup = (...args: string[]) => gatehouseInProcess(['server', 'backup', '--data-dir', data, ...args], {});

  it('a named pipe with --force is refused naming it, and stays a pipe', async () => {
    const r = await backup('--to', fifo, '--force');
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.ok(r.stderr.includes(`UnwritableFile: --to \`${fifo}\` is a named pipe (FIFO), not a file`), r.stderr);
    assert.equal(statSync(fifo).isFIFO(), true);
    assert.deepEqual((await readdir(dir)).sort(), ['data', 'pipe', 'to-pipe']);
  });

  it('a link to a named pipe with --force is refused naming both, and stays a link', async () => {
    const link = join(dir, 'to-pipe');
    const r = await backup('--to', link, '--force');
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.ok(r.stderr.includes(`--to \`${link}\` (a link to \`${fifo}\`) is a named pipe (FIFO), not a file`), r.stderr);
    assert.equal(lstatSync(link).isSymbolicLink(), true);
    assert.deepEqual((await readdir(dir)).sort(), ['data', 'pipe', 'to-pipe']);
  });

  it('/dev/null without --force: refused as a device, never "exists: give --force to replace it"', async () => {
    const r = await backup('--to', '/dev/null');
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.ok(r.stderr.includes('UnwritableFile: --to `/dev/null` is a character device, not a file'), r.stderr);
    assert.doesNotMatch(r.stderr, /--force to replace/);
    assert.equal(statSync('/dev/null').isCharacterDevice(), true);
  });
});
