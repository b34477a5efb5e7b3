/**
 * Review sq, 2: `gatehouse server backup` refused a `--to` the server owns in the data dir it backs up (review sl, 1),
 * but not in another server's: `--data-dir A --to B/gatehouse.db --force` renamed the backup over B's live store while
 * B's server ran on it (its commits went on into the file unlinked, gone at its next start; a killed B's WAL was then
 * read into the backup), and `--to B/master.key --force` over B's master key, after which nothing sealed in B's store
 * opens. A backup to replace with `--force` is never a server's store: a server keeps its store in WAL mode, a backup
 * is never in it. Contract: docs/decisions.md "Backup and restore of the SQLite store" (a backup changes nothing but
 * `--to`; never over a file a server owns, `--force` or not; a store is replaced by `restore`, with its servers stopped,
 * the replaced one kept) and docs/errors.md "Backup and restore" (`UnwritableFile`). Now a data dir is known by its
 * store as a server leaves it (WAL mode, or its `-wal`/`-shm` beside it), and a file a server owns there is refused as
 * in the data dir backed up, as is any SQLite file in WAL mode; a directory of backups named `gatehouse.db` is not one.
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openSqliteStore, type SqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

describe("review sq2: a backup never replaces a file of another server's data dir", () => {
  let dir = '';
  let a = '';
  let b = '';
  let serverB: SqliteStore | undefined;
  const keyB = `${randomBytes(32).toString('base64')}\n`;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-sq2-'));
    a = join(dir, 'a');
    b = join(dir, 'b');
    await (await openSqliteStore({ dataDir: a })).close();
    // B's server runs: its store open, in WAL mode.
    serverB = await openSqliteStore({ dataDir: b });
    await writeFile(join(b, 'master.key'), keyB, { mode: 0o600 });
    await symlink(b, join(dir, 'b-link'));
  });
  after(async () => {
    await serverB?.close();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  const backup = (to: string) => gatehouseInProcess(['server', 'backup', '--data-dir', a, '--to', to, '--force'], {});

  it("--to B/gatehouse.db --force, while B's server runs, is refused and B's store is left as it was", async () => {
    const before = await stat(join(b, 'gatehouse.db'));
    for (const to of [join(b, 'gatehouse.db'), join(dir, 'b-link', 'gatehouse.db')]) {
      const r = await backup(to);
      assert.equal(r.code, 5, `${to}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /UnwritableFile: --to `[^`]*gatehouse\.db` is in another server's data dir `[^`]*`/);
      assert.match(r.stderr, /--force or not/);
      assert.match(r.stderr, /gatehouse server restore --data-dir/);
    }
    const now = await stat(join(b, 'gatehouse.db'));
    assert.equal(now.ino, before.ino, "B's store is the file its server opened");
  });

  it("B's master key, its WAL, and a store in WAL mode by any name are refused as --to, --force or not", async () => {
    for (const to of [join(b, 'master.key'), join(b, 'gatehouse.db-wal'), join(dir, 'b-link', 'Master.KEY')]) {
      const r = await backup(to);
      assert.equal(r.code, 5, `${to}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /in another server's data dir/, to);
    }
    assert.equal(await readFile(join(b, 'master.key'), 'utf8'), keyB);
    // A server's store under another name (one a restore kept aside, moved elsewhere) is no backup to replace either.
    const elsewhere = join(dir, 'elsewhere');
    await (await openSqliteStore({ dataDir: elsewhere })).close();
    await rename(join(elsewhere, 'gatehouse.db'), join(dir, 'old-store.db'));
    const r = await backup(join(dir, 'old-store.db'));
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.match(r.stderr, /WAL mode/);
  });

  it('a directory of backups named gatehouse.db, beside their master key, is written as before', async () => {
    const backups = join(dir, 'backups');
    await mkdir(backups);
    await writeFile(join(backups, 'master.key'), keyB, { mode: 0o600 });
    for (let i = 0; i < 2; i++) {
      const r = await backup(join(backups, 'gatehouse.db'));
      assert.equal(r.code, 0, r.stdout + r.stderr);
    }
  });
});
