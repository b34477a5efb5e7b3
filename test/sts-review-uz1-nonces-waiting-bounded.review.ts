/**
 * Review uz, 1: a server on SQLite writes the Alibaba STS signature nonces it takes to its file together, 200 ms after
 * their answer (src/adapters/http/nonce-set.ts `rememberedNonces`, review lx, 1), and a batch the file refuses (a lock
 * held, a disk full, an I/O error) is kept and tried again (review ux, 3). While the file kept refusing, every nonce
 * taken was kept to be written, without bound: the whole outage's traffic of the last 15 minutes (or more, for clocks
 * ahead) in memory, past the set's own bound (`maxSignatureNonces`, which holds the set in front), and all of it
 * forgotten by a crash, after which those requests could be taken again. A demanding operator expects a bound, and past
 * it a fail-closed answer rather than nonces held in memory alone.
 *
 * Now at most `maxPending` nonces (the set's bound, on a server) wait to be written; past it a signed request's nonce
 * is claimed in the file at once, as a request an earlier run may have taken is: while the file refuses, the claim
 * throws the store's outage (the request is answered 503 ServiceUnavailable, retryable, and counted as the store's
 * outage), said once in the log; once the file takes writes again, the claim is taken and those waiting are written.
 *
 * The server's own nonce claims (`rememberedNonces` over a `NonceSet`, as src/main/server.ts makes them on SQLite) on
 * a real SQLite store whose writes fail as an unreachable store's do while the test says so (test/support/flaky-store.ts).
 *
 * Before the fix 2 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { NonceSet, rememberedNonces } from '../src/adapters/http/nonce-set.ts';
import { isStoreUnavailable } from '../src/app/ports/store.ts';
import { flakySqlite } from './support/flaky-store.ts';
import { settled } from './support/settle.ts';

const digest = (s: string): string => createHash('sha256').update(s).digest('base64');
const BOUND = 20;

/** Claims `n` fresh nonces of `key`, each settled: the keys of those taken (and their ends), and the errors of the others. */
async function claimMany(claim: (nonceKey: string, keyDigest: string, until: number, now: number) => Promise<string> | string, key: string, tag: string, n: number): Promise<{ taken: { nonceKey: string; ends: number }[]; errors: unknown[] }> {
  const taken: { nonceKey: string; ends: number }[] = [];
  const errors: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const now = Date.now();
    const nonceKey = digest(`${key}\n${tag}-${i}`);
    try {
      if ((await claim(nonceKey, key, now + 15 * 60_000, now)) === 'fresh') taken.push({ nonceKey, ends: now + 15 * 60_000 });
    } catch (e) {
      errors.push(e);
    }
  }
  return { taken, errors };
}

describe('review uz1: the nonces waiting for a SQLite file that refuses writes are bounded, and past the bound requests fail closed', () => {
  it('past the bound a claim is refused as the store\'s outage, what waits stays within it, and it is said once', async () => {
    const { dir, store, real, fail } = await flakySqlite('gatehouse-uz1-');
    const logs: string[] = [];
    const remembered = rememberedNonces(new NonceSet(), store, (line) => void logs.push(line), BOUND);
    try {
      const key = digest('LTAIbob');
      // The run's first claim reads the file's latest claim (none), then waits for its batch.
      assert.equal((await claimMany(remembered.claims.claim, key, 'first', 1)).taken.length, 1);
      fail(true);
      const got = await claimMany(remembered.claims.claim, key, 'outage', 5 * BOUND);
      assert.ok(got.taken.length <= BOUND, `${got.taken.length} nonces taken while the file refused every write, none of them written: the waiting ones are not bounded`);
      assert.ok(remembered.pending <= BOUND, 'what waits to be written stays within the bound');
      assert.ok(got.errors.length > 0 && got.errors.every(isStoreUnavailable), 'past the bound a claim fails as the store\'s outage (503, retryable)');
      assert.equal(logs.filter((l) => /wait to be written/.test(l)).length, 1, logs.join('\n'));
    } finally {
      fail(false);
      await remembered.stop();
      await real.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('once the file takes writes again, a claim past the bound is taken and every nonce waiting reaches the file', async () => {
    const { dir, store, real, fail } = await flakySqlite('gatehouse-uz1b-');
    const remembered = rememberedNonces(new NonceSet(), store, () => {}, BOUND);
    try {
      const key = digest('LTAIalice');
      assert.equal((await claimMany(remembered.claims.claim, key, 'first', 1)).taken.length, 1);
      await settled(() => real.write((tx) => tx.signatureNonces.latestEnd()), (v) => v > 0, 5_000, 20);
      fail(true);
      const during = await claimMany(remembered.claims.claim, key, 'outage', 2 * BOUND);
      assert.ok(during.errors.length > 0, 'a claim past the bound was taken while the file refused it, its nonce in memory alone');
      fail(false);
      const after = await claimMany(remembered.claims.claim, key, 'after', 1);
      assert.equal(after.taken.length, 1, 'the file takes writes again: the claim is taken');
      // Every nonce taken reaches the file (a claim of it there is refused), with no stop and no other request.
      await settled(async () => remembered.pending, (n) => n === 0, 10_000, 20);
      for (const c of [...during.taken, ...after.taken]) {
        const now = Date.now();
        assert.equal(await real.write((tx) => tx.signatureNonces.claim(c.nonceKey, c.ends, now, 0)), false, 'a nonce taken during the outage is in the file');
      }
    } finally {
      await remembered.stop();
      await real.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
