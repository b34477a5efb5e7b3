/**
 * Review sl, 1: `gatehouse server backup --to DIR/master.key --force` renamed the backup over the data dir's master key,
 * and with it gone no secret sealed in the store (or in the backup just written) opens again. Only the store and its
 * journals were refused as `--to`: the admin's credentials, the keyed audit note, a store a restore had kept aside (the
 * only copy of what changed since), a file in the audit spool (appended to the audit log by the next start) or in the
 * S3 gateway's objects were replaced the same way, also through a symlinked directory or another case of the name.
 * Contract: docs/decisions.md "Backup and restore of the SQLite store" (a backup changes nothing of the data dir; the
 * master key stays out) and docs/errors.md "Backup and restore" (a refusal changes nothing). Now any `--to` the server
 * owns in the data dir is refused, `UnwritableFile` naming the file and why, `--force` or not.
 * Before the fix 3 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

describe('review sl1: a backup never replaces a file of the data dir', () => {
  let dir = '';
  let data = '';
  const key = `${randomBytes(32).toString('base64')}\n`;
  /** Each file of the data dir a backup could be aimed at, with what it holds. */
  const owned: Record<string, string> = {};
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-sl1-'));
    data = join(dir, 'data');
    const s = await openSqliteStore({ dataDir: data });
    await s.close();
    await mkdir(join(data, 'audit-spool'), { recursive: true });
    await mkdir(join(data, 'objects', 'bucket-a'), { recursive: true });
    Object.assign(owned, {
      'master.key': key,
      'admin-credentials.json': '{"accessKeyId":"AKIA…"}\n',
      'audit-keyed.json': '{"format":"gatehouse-audit-keyed"}\n',
      'gatehouse.db.replaced-20261207T000000Z': 'the store a restore kept aside\n',
      [join('audit-spool', 'spool-1.jsonl')]: '{"records":[]}\n',
      [join('objects', 'bucket-a', 'report.csv')]: 'a,b\n',
    });
    for (const [name, text] of Object.entries(owned)) await writeFile(join(data, name), text, { mode: 0o600 });
    await symlink(data, join(dir, 'data-link'));
  });
  after(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  const backup = (to: string) => gatehouseInProcess(['server', 'backup', '--data-dir', data, '--to', to, '--force'], {});

  it('--to the master key, --force given, is refused and the key is left as it was', async () => {
    const r = await backup(join(data, 'master.key'));
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.match(r.stderr, /UnwritableFile: --to `[^`]*master\.key` is the data dir's master key/);
    assert.match(r.stderr, /--force or not/);
    assert.equal(await readFile(join(data, 'master.key'), 'utf8'), key);
    assert.deepEqual((await readdir(data)).filter((n) => n.endsWith('.tmp')), [], 'no temporary copy is left');
  });

  it('each other file the server owns in the data dir is refused as --to, and left as it was', async () => {
    for (const [name, text] of Object.entries(owned)) {
      const r = await backup(join(data, name));
      assert.equal(r.code, 5, `${name}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /UnwritableFile: .*give a path outside the data dir/, name);
      assert.equal(await readFile(join(data, name), 'utf8'), text, name);
    }
    // Named even while absent: the server would read a backup there as its own file.
    for (const name of ['gatehouse.db-wal', join('audit-spool', 'next.jsonl')]) {
      const r = await backup(join(data, name));
      assert.equal(r.code, 5, `${name}: ${r.stdout}${r.stderr}`);
    }
  });

  it('through a symlinked directory, or in another case of the name, the master key is still refused', async () => {
    for (const to of [join(dir, 'data-link', 'master.key'), join(data, 'objects', '..', 'master.key'), join(data, 'Master.KEY')]) {
      const r = await backup(to);
      assert.equal(r.code, 5, `${to}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /the data dir's master key/, to);
      if (to.includes('data-link')) assert.ok(r.stderr.includes(join(data, 'master.key')), `the real file is named: ${r.stderr}`);
    }
    assert.equal(await readFile(join(data, 'master.key'), 'utf8'), key);
  });

  it('a backup file of its own name in the data dir, or outside it, is written as before', async () => {
    for (const to of [join(data, 'gatehouse-backup.db'), join(dir, 'backup.db')]) {
      const r = await backup(to);
      assert.equal(r.code, 0, `${to}: ${r.stdout}${r.stderr}`);
      assert.equal((await readFile(to)).subarray(0, 15).toString('latin1'), 'SQLite format 3');
    }
  });
});
