/**
 * Review ux, 3: a server on SQLite writes the Alibaba STS signature nonces it takes to its file (table
 * `signature_nonces`) together, 200 ms after their answer (src/adapters/http/nonce-set.ts `rememberedNonces`), so that a
 * request taken before a restart is `SignatureNonceUsed` after it (review lx, 1: a crash loses at most those 200 ms). A
 * batch the file could not take (SQLITE_BUSY while a backup or another process held the lock, a disk full, an I/O
 * error) was kept to be "tried again with the next", but nothing tried it again until the next signed request came or
 * the server stopped: on a quiet server the nonces stayed in memory alone, for good, and a crash or a SIGKILL (an OOM
 * kill, a pod killed past its grace period) within their 15 minutes let a captured AssumeRole taken before it be
 * answered again after the restart, with fresh credentials.
 *
 * Now a batch that could not be written is tried again on its own, a second later (then after 2, 4… s, a minute at
 * most, while the file refuses it), whether or not another request comes.
 *
 * The server's own nonce claims (`rememberedNonces` over a `NonceSet`, as src/main/server.ts makes them on SQLite) on
 * a real SQLite store whose writes fail as an unreachable store's do while the test says so (test/support/flaky-store.ts).
 *
 * Before the fix 1 of 1 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { NonceSet, rememberedNonces } from '../src/adapters/http/nonce-set.ts';
import { flakySqlite } from './support/flaky-store.ts';
import { settled } from './support/settle.ts';

const digest = (s: string): string => createHash('sha256').update(s).digest('base64');

describe('review ux3: a batch of nonces the SQLite file refused is written once it takes writes again, with no request after', () => {
  it("a nonce taken while the file refused its batch reaches the file without another request", async () => {
    const { dir, store, real, fail } = await flakySqlite('gatehouse-ux3-');
    const logs: string[] = [];
    const remembered = rememberedNonces(new NonceSet(), store, (line) => void logs.push(line));
    try {
      const now = Date.now();
      const ends = now + 15 * 60_000 + 1;
      const key = digest('LTAIbob');
      // Taken (the run's first claim reads the file's latest claim first: none), its batch due in 200 ms.
      assert.equal(await remembered.claims.claim(digest(`${key}\ncaptured`), key, ends, now), 'fresh');
      fail(true);
      const refused = await settled(async () => logs.length, (n) => n > 0, 10_000, 20);
      assert.equal(refused, 1, 'the batch was tried while the file refused writes');
      assert.match(logs[0] ?? '', /could not be written/);
      fail(false);
      // No other request comes: the batch must still reach the file.
      const latest = await settled(() => real.write((tx) => tx.signatureNonces.latestEnd()), (v) => v === ends, 5_000, 50);
      assert.equal(latest, ends, 'the nonce taken stayed in memory alone: a crash now would let its request be taken again after the restart');
    } finally {
      await remembered.stop();
      await real.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
