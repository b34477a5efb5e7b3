/**
 * Review si, 4: `gatehouse server restore --from` a backup cut short (a copy that did not finish, a full disk, an
 * upload cut off) was refused in SQLite's words, which said nothing of what to look at: an empty file "is not a
 * Gatehouse store: it has no `schema_migrations` table", a truncated one "database disk image is malformed". Contract:
 * the task's ask (a bad or partial file refused with a clear error, the live store unchanged) and STYLE.md's error
 * messages (say what to do next). Now an empty file is said to be empty, and one shorter than its SQLite header's size
 * is said to be cut short, with both sizes (`gatehouse server backup` printed the size to compare); the data dir is
 * left as it was.
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

describe('review si4: a backup cut short is said to be so, and nothing is restored', () => {
  let dir = '';
  let data = '';
  let backup = '';
  let bytes = 0;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-si4-'));
    data = join(dir, 'data');
    const s = await openSqliteStore({ dataDir: data });
    await s.close();
    backup = join(dir, 'whole.db');
    const r = await gatehouseInProcess(['server', 'backup', '--data-dir', data, '--to', backup], {});
    assert.equal(r.code, 0, r.stderr);
    bytes = (await stat(backup)).size;
    assert.match(r.stdout, new RegExp(`${bytes} bytes`));
  });
  after(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  const restoreOf = async (from: string): Promise<{ code: number; stderr: string; untouched: boolean }> => {
    const before = await readFile(join(data, 'gatehouse.db'));
    const r = await gatehouseInProcess(['server', 'restore', '--data-dir', data, '--from', from], {});
    const after = await readFile(join(data, 'gatehouse.db'));
    const names = await readdir(data);
    return { code: r.code, stderr: r.stderr, untouched: before.equals(after) && !names.some((n) => n.includes('replaced') || n.includes('restoring')) };
  };

  it('an empty --from: said empty (exit 5), the data dir untouched', async () => {
    const empty = join(dir, 'empty.db');
    await writeFile(empty, '');
    const r = await restoreOf(empty);
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /NotAGatehouseStore: --from `[^`]*empty\.db` is empty \(0 bytes\)/);
    assert.ok(r.untouched);
  });

  it('a --from cut short: said so with its size and the size its header gives, the data dir untouched', async () => {
    const cut = join(dir, 'cut.db');
    const whole = await readFile(backup);
    const kept = Math.floor(whole.length / 2);
    await writeFile(cut, whole.subarray(0, kept));
    const r = await restoreOf(cut);
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, new RegExp(`NotAGatehouseStore: --from \`[^\`]*cut\\.db\` is cut short: ${kept} bytes, where its SQLite header says the store is ${bytes} `));
    assert.ok(r.untouched);
  });
});
