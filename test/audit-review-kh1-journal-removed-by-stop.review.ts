/**
 * Review kh, 1: the audit journal's segments were removed with a callback `unlink` that nothing waited for
 * (`release` in src/adapters/audit-spool/journal.ts), so the audit's `stop()` resolved before the files it had
 * released were gone. With libuv's thread pool busy (other file work of the server, or a loaded machine), the
 * segment was still on disk when `stop()` returned, and a process that exits right after its stop (the cluster
 * worker calls process.exit) left it behind for the next start to read back as a hard stop's journal. It is what
 * made test/audit-journal.test.ts ("written at stop: the journal goes") fail now and then under load.
 * Now `release` keeps each removal it starts and `close` resolves once they are done; `stop()` waits for it, so
 * a clean stop leaves no segment.
 *
 * The thread pool is held here by opens of FIFOs (each blocks one pool thread until a writer comes), let go a
 * little later: before the fix `stop()` resolved with the segment still there.
 * Before the fix 1 of 1 tests failed.
 */
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, readdirSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createAudit } from '../src/app/audit.ts';
import { SPOOL_DIR } from '../src/adapters/audit-spool/index.ts';
import { fileAuditJournal } from '../src/adapters/audit-spool/journal.ts';
import { flakySqlite, sessionEvent } from './support/flaky-store.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const segments = (dataDir: string): string[] => {
  try {
    return readdirSync(join(dataDir, SPOOL_DIR)).filter((n) => n.startsWith('audit-journal-'));
  } catch {
    return [];
  }
};

it('stop() resolves only once the journal segments it released are removed, with the thread pool busy', async () => {
  const { dir, store, real } = await flakySqlite('gh-audit-kh1-');
  dirs.push(dir);
  const audit = createAudit({ store, now: () => Date.now(), journal: fileAuditJournal(dir, { instance: 'pod-a/1' }) }, { flushMs: 60_000 });
  audit.start();
  audit.record(sessionEvent(1));
  audit.record(sessionEvent(2));
  assert.equal(segments(dir).length, 1, 'journaled as recorded');

  // Every thread of the pool waits in open(2) on a FIFO with no writer.
  const pool = Number(process.env['UV_THREADPOOL_SIZE'] ?? 4);
  const fifos = Array.from({ length: pool }, (_, i) => join(dir, `fifo-${i}`));
  for (const f of fifos) execFileSync('mkfifo', [f]);
  const held = fifos.map((f) => open(f, 'r'));
  const letGo = (): void => {
    for (const f of fifos) closeSync(openSync(f, constants.O_WRONLY | constants.O_NONBLOCK));
  };
  const timer = setTimeout(letGo, 300);
  let left: string[] = [];
  try {
    // Looked at the moment stop() resolves, before anything else runs.
    await audit.stop().then(() => void (left = segments(dir)));
  } finally {
    clearTimeout(timer);
    if (left.length > 0) letGo();
    for (const h of await Promise.all(held)) await h.close();
  }
  assert.deepEqual(left, [], 'a clean stop leaves no journal segment');
  await real.close();
});
