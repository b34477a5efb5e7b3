/**
 * SQLite's `synchronous` for the store's writes (stop 64): `full` unless told, each commit fsynced before it returns (a
 * committed credential survives a power loss); `normal` (GATEHOUSE_SQLITE_SYNCHRONOUS) leaves the fsync to the WAL's
 * checkpoints, and a commit survives the process's crash, not the machine's. Seen with the real kernel: a child process
 * commits 20 writes under `strace`, which counts its fsync and fdatasync calls; skipped without `strace`. And what a
 * commit under `normal` keeps when its process is killed (SIGKILL) at once after it: everything.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openSqliteStore } from './index.ts';

const INDEX = pathToFileURL(join(import.meta.dirname, 'index.ts')).href;
const COMMITS = 20;

const noStrace = process.platform !== 'linux' || spawnSync('strace', ['-V'], { stdio: 'ignore' }).status !== 0 ? 'needs `strace` on Linux' : false;

/** Opens the store (`SYNC`: its `synchronous`, or the default when empty), then commits COMMITS writes, one a transaction. */
const SCRIPT = `
const { openSqliteStore } = await import(process.env.INDEX);
const store = await openSqliteStore({ file: process.env.FILE, ...(process.env.SYNC ? { synchronous: process.env.SYNC } : {}) });
console.log('OPENED');
for (let i = 0; i < ${COMMITS}; i++) await store.write((tx) => tx.kv.put('k' + i, 'v' + i));
console.log('COMMITTED');
if (process.env.KILL) process.kill(process.pid, 'SIGKILL');
await store.close();
`;

/** The fsync and fdatasync calls a child that opened a store with `sync` made while it committed COMMITS writes. */
async function syncCalls(sync: string): Promise<{ inCommits: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'gh-sqlite-sync-'));
  try {
    const trace = join(dir, 'trace');
    await promisify(execFile)('strace', ['-f', '-e', 'trace=fsync,fdatasync,write', '-o', trace, process.execPath, '--input-type=module', '-e', SCRIPT], { env: { ...process.env, INDEX, FILE: join(dir, 'gatehouse.db'), SYNC: sync } });
    const lines = (await readFile(trace, 'utf8')).split('\n');
    const opened = lines.findIndex((l) => l.includes('OPENED'));
    const committed = lines.findIndex((l) => l.includes('COMMITTED'));
    assert.ok(opened >= 0 && committed > opened, 'the child did not say OPENED then COMMITTED');
    const syncs = (from: number, to: number) => lines.slice(from, to).filter((l) => /\b(fsync|fdatasync)\(/.test(l)).length;
    return { inCommits: syncs(opened, committed) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('the SQLite store\'s synchronous setting', () => {
  it('full (the default, and `full` given): every commit is fsynced before it returns', { skip: noStrace }, async () => {
    for (const sync of ['', 'full']) {
      const { inCommits } = await syncCalls(sync);
      assert.ok(inCommits >= COMMITS, `synchronous ${sync || '(default)'}: ${inCommits} fsync calls for ${COMMITS} commits`);
    }
  });

  it('normal: the commits are not fsynced one by one', { skip: noStrace }, async () => {
    const { inCommits } = await syncCalls('normal');
    assert.ok(inCommits < COMMITS / 4, `synchronous normal: ${inCommits} fsync calls for ${COMMITS} commits`);
  });

  it('normal: what was committed is all there after the process is killed at once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-sqlite-sync-'));
    try {
      const file = join(dir, 'gatehouse.db');
      const r = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', SCRIPT], { env: { ...process.env, INDEX, FILE: file, SYNC: 'normal', KILL: '1' } }).catch((e: { stdout?: string; signal?: string }) => e);
      assert.equal((r as { signal?: string }).signal, 'SIGKILL');
      assert.match(String(r.stdout), /COMMITTED/);
      const store = await openSqliteStore({ file });
      try {
        const got = await store.read(async (tx) => Promise.all(Array.from({ length: COMMITS }, (_, i) => tx.kv.get(`k${i}`))));
        assert.deepEqual(got, Array.from({ length: COMMITS }, (_, i) => `v${i}`));
      } finally {
        await store.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
