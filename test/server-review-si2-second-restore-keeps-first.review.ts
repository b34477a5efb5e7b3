/**
 * Review si, 2: `gatehouse server restore` kept the store it replaced as `gatehouse.db.replaced-<second>` and said so
 * ("rename it back to undo"), but a second restore in the same second (a script restoring one backup, then the right
 * one) renamed the store it replaced onto that same name, and a rename replaces what is there: the first replaced
 * store, the only copy of everything changed since the backups, was gone. Contract: docs/decisions.md "Backup and
 * restore of the SQLite store" ("The replaced store is kept … never deleted"). Now a name taken is never reused: the
 * second is kept as `…replaced-<second>.2`, and each restore names the file it kept.
 * The CLI in this process, its clock held at one instant.
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pkg from '../package.json' with { type: 'json' };
import { runCli } from '../src/adapters/cli/index.ts';
import { cliFiles } from '../src/main/cli-files.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';

const INSTANT = Date.parse('2026-12-07T02:30:00.250Z');

/** `gatehouse ARGS` in this process with the clock at INSTANT. */
async function cli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { out: (t) => void (stdout += t), err: (t) => void (stderr += t), ...cliFiles(Readable.from([])), env: {}, now: () => INSTANT, version: pkg.version });
  return { code, stdout, stderr };
}

const markOf = (file: string): string => {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    return String(db.prepare("SELECT kv_value FROM kv WHERE kv_key = 'si2/mark'").get()?.['kv_value']);
  } finally {
    db.close();
  }
};

describe('review si2: a second restore in the same second keeps the store the first kept aside', () => {
  let dir = '';
  let data = '';
  const mark = (value: string): void => {
    const db = new DatabaseSync(join(data, 'gatehouse.db'));
    try {
      db.prepare("INSERT OR REPLACE INTO kv (kv_key, kv_value, updated) VALUES ('si2/mark', ?, '2026-12-07T00:00:00Z')").run(value);
    } finally {
      db.close();
    }
  };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-si2-'));
    data = join(dir, 'data');
    const s = await openSqliteStore({ dataDir: data });
    await s.close();
  });
  after(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('restores a.db, then b.db: the live store of before, a.db as restored, and b.db in place, none lost', async () => {
    mark('backup a');
    assert.equal((await cli(['server', 'backup', '--data-dir', data, '--to', join(dir, 'a.db')])).code, 0);
    mark('backup b');
    assert.equal((await cli(['server', 'backup', '--data-dir', data, '--to', join(dir, 'b.db')])).code, 0);
    mark('live');

    const first = await cli(['server', 'restore', '--data-dir', data, '--from', join(dir, 'a.db')]);
    assert.equal(first.code, 0, first.stderr);
    const second = await cli(['server', 'restore', '--data-dir', data, '--from', join(dir, 'b.db')]);
    assert.equal(second.code, 0, second.stderr);

    const keptAs = (out: string): string => /the store it replaced is kept as (\S+) \(rename it back/.exec(out)?.[1] ?? '';
    const kept1 = keptAs(first.stdout);
    const kept2 = keptAs(second.stdout);
    assert.match(kept1, /gatehouse\.db\.replaced-20261207T023000Z$/);
    assert.notEqual(kept2, kept1, 'the second restore keeps its replaced store under a name of its own');
    // Listed before the files are read (a reader of a file in WAL mode leaves its -wal and -shm beside it).
    const files = (await readdir(data)).filter((f) => f.startsWith('gatehouse.db')).sort();
    assert.deepEqual(files, ['gatehouse.db', 'gatehouse.db.replaced-20261207T023000Z', 'gatehouse.db.replaced-20261207T023000Z.2']);
    assert.equal(markOf(kept1), 'live', 'the store the first restore kept aside is still the live store of before');
    assert.equal(markOf(kept2), 'backup a');
    assert.equal(markOf(join(data, 'gatehouse.db')), 'backup b');
  });
});
