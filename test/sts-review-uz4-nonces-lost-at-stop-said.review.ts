/**
 * Review uz, 4: a server on SQLite writes the Alibaba STS signature nonces it takes to its file, and what is still
 * waiting at stop (src/adapters/http/nonce-set.ts `rememberedNonces`, review lx, 1). A batch the file refuses is kept
 * and tried again, its failure logged once (review ux, 3); but a stop while the file was still refusing tried once
 * more and forgot them without a word: the log's only line was the first failure's "tried again in 1 s", so the
 * operator restarting the server was never told that the requests taken in the last 15 minutes could be answered
 * again after the restart (a captured AssumeRole: fresh credentials), nor until when.
 *
 * Now the stop's write that the file refuses says how many nonces are forgotten and until when their requests can be
 * taken again; a batch being written when the stop comes is tried once more with the rest.
 *
 * The server's own nonce claims (`rememberedNonces` over a `NonceSet`, as src/main/server.ts makes them on SQLite) on
 * a real SQLite store whose writes fail as an unreachable store's do while the test says so (test/support/flaky-store.ts).
 *
 * Before the fix 1 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { NonceSet, rememberedNonces } from '../src/adapters/http/nonce-set.ts';
import { flakySqlite } from './support/flaky-store.ts';
import { settled } from './support/settle.ts';

const digest = (s: string): string => createHash('sha256').update(s).digest('base64');

describe('review uz4: nonces the SQLite file refuses at stop are said to be forgotten', () => {
  it('a stop while the file refuses writes says how many nonces are forgotten, and until when', async () => {
    const { dir, store, real, fail } = await flakySqlite('gatehouse-uz4-');
    const logs: string[] = [];
    const remembered = rememberedNonces(new NonceSet(), store, (line) => void logs.push(line));
    try {
      const key = digest('LTAIbob');
      const now = Date.now();
      const ends = now + 15 * 60_000 + 1;
      assert.equal(await remembered.claims.claim(digest(`${key}\na`), key, ends, now), 'fresh');
      fail(true);
      await settled(async () => logs.length, (n) => n > 0, 10_000, 20);
      assert.match(logs[0] ?? '', /could not be written/);
      assert.equal(await remembered.claims.claim(digest(`${key}\nb`), key, ends, Date.now()), 'fresh');
      await remembered.stop();
      const lost = logs.slice(1).join('\n');
      assert.match(lost, /2 signature nonce\(s\) could not be written to the database at stop and are forgotten/, `the nonces forgotten at stop were not said: ${logs.join(' | ')}`);
      assert.ok(lost.includes(new Date(ends).toISOString()), 'says until when their requests can be taken again');
    } finally {
      fail(false);
      await real.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a stop once the file takes writes again writes them all, and says nothing is forgotten (unchanged)', async () => {
    const { dir, store, real, fail } = await flakySqlite('gatehouse-uz4b-');
    const logs: string[] = [];
    const remembered = rememberedNonces(new NonceSet(), store, (line) => void logs.push(line));
    try {
      const key = digest('LTAIalice');
      const now = Date.now();
      const ends = now + 15 * 60_000 + 1;
      assert.equal(await remembered.claims.claim(digest(`${key}\na`), key, ends, now), 'fresh');
      fail(true);
      await settled(async () => logs.length, (n) => n > 0, 10_000, 20);
      fail(false);
      await remembered.stop();
      assert.equal(await real.write((tx) => tx.signatureNonces.latestEnd()), ends);
      assert.doesNotMatch(logs.join('\n'), /forgotten/);
    } finally {
      await real.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
