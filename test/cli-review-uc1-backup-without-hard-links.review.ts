/**
 * Review uc, 1: `gatehouse server backup --to FILE` (no --force) on a file system without hard links (a FAT or exFAT
 * USB disk, some network and FUSE mounts, where link(2) answers EPERM, ENOTSUP or ENOSYS) always failed:
 * "UnwritableFile: cannot write the backup to `FILE`: EPERM: operation not permitted, link 'DIR/.FILE.PID.HEX.tmp' ->
 * 'FILE'", naming the hidden temporary file, saying nothing of what was wrong or what to do, and --force (a rename)
 * was the only way, though the file did not exist. Contract: docs/decisions.md "Backup and restore of the SQLite
 * store" (one file, private, never half-written; a file made at --to meanwhile never replaced), docs/errors.md
 * "Backup and restore" (`UnwritableFile` names --to's directory, never the temporary file), STYLE (an error says what
 * and where). Now the whole, checked copy is copied to --to, created only when nothing is there (mode 0600), flushed,
 * and removed again when that copy fails; a file made at --to meanwhile is still refused (`BackupExists`).
 * The file system's refusal is given through the backup's `link` seam (no FAT mount on a test host).
 * Before the fix 4 of 4 tests failed (the seam given to the code as it was).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { backupSqliteStore } from '../src/adapters/store-sqlite/backup.ts';

const refusedWith = (code: string) => async (existing: string, newPath: string): Promise<void> => {
  throw Object.assign(new Error(`${code}: operation not permitted, link '${existing}' -> '${newPath}'`), { code, syscall: 'link', path: existing, dest: newPath });
};

describe('review uc1: a backup to a file system without hard links', () => {
  let dir = '';
  let data = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-uc1-'));
    data = join(dir, 'data');
    const s = await openSqliteStore({ dataDir: data });
    await s.close();
    const db = new DatabaseSync(join(data, 'gatehouse.db'));
    db.prepare("INSERT INTO kv (kv_key, kv_value, updated) VALUES ('uc1/marker', 'live', '2026-12-07T00:00:00Z')").run();
    db.close();
  });
  after(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  for (const code of ['EPERM', 'ENOTSUP']) {
    it(`link refused with ${code}: the backup is copied to --to, whole, private, nothing else left`, async () => {
      const out = join(dir, `usb-${code}`);
      await mkdir(out);
      const to = join(out, 'b.db');
      const r = await backupSqliteStore({ dataDir: data, to, env: {}, link: refusedWith(code) });
      assert.ok(r.ok, r.ok ? '' : `${r.code}: ${r.message}`);
      assert.deepEqual(await readdir(out), ['b.db'], 'no temporary file left');
      assert.equal((await stat(to)).mode & 0o777, 0o600);
      const db = new DatabaseSync(to, { readOnly: true });
      try {
        assert.equal(db.prepare("SELECT kv_value FROM kv WHERE kv_key = 'uc1/marker'").get()?.['kv_value'], 'live');
        assert.equal(String(Object.values(db.prepare('PRAGMA quick_check').get() ?? {})[0]), 'ok');
      } finally {
        db.close();
      }
    });
  }

  it('a file made at --to while the backup was written is still never replaced (BackupExists)', async () => {
    const out = join(dir, 'usb-race');
    await mkdir(out);
    const to = join(out, 'b.db');
    const r = await backupSqliteStore({
      dataDir: data,
      to,
      env: {},
      link: async (existing, newPath) => {
        await writeFile(newPath, 'made meanwhile\n');
        await refusedWith('EPERM')(existing, newPath);
      },
    });
    assert.equal(r.ok, false);
    assert.equal(r.ok ? '' : r.code, 'BackupExists');
    assert.equal(await readFile(to, 'utf8'), 'made meanwhile\n');
    assert.deepEqual(await readdir(out), ['b.db']);
  });

  it('another refusal of the link still fails naming --to, not the temporary file, and leaves nothing', async () => {
    const out = join(dir, 'usb-eio');
    await mkdir(out);
    const to = join(out, 'b.db');
    const r = await backupSqliteStore({ dataDir: data, to, env: {}, link: refusedWith('EIO') });
    assert.equal(r.ok, false);
    assert.equal(r.ok ? '' : r.code, 'UnwritableFile');
    assert.ok(!r.ok && r.message.includes(`\`${to}\``), r.ok ? '' : r.message);
    assert.doesNotMatch(r.ok ? '' : r.message, /\.tmp/);
    assert.equal(existsSync(to), false);
    assert.deepEqual(await readdir(out), []);
  });
});
