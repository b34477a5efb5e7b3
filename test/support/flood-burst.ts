/**
 * A burst of refused requests from one address that ends with refusals the audit log's flood limit left out, so that
 * a summary of them is due (src/app/auth-failures.ts): what the tests of those summaries need, whatever the host's
 * speed. The limit refills a token every 200 ms (5 records a second per address); on a loaded host a burst of 40
 * takes long enough that its last refusal can be recorded, and a record carries the count of those left out before
 * it: then nothing is pending and no summary is written (the official CI of stop 54 failed reviews kn3 and kp3 so).
 * After the burst, closing tries are sent until one is left out (the server's
 * `gatehouse_audit_auth_failures_suppressed_total` grows by the try's size, but for one): the refusals of the try, some
 * of each owner the test sends under, are then pending their summary.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SPOOL_DIR } from '../../src/adapters/audit-spool/index.ts';
import { SETTLE_MS } from './settle.ts';

/** The count of refusals the server at `url` left out of the audit log so far (its `/metrics`). */
export async function leftOutCount(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const n = Number(/^gatehouse_audit_auth_failures_suppressed_total\s+(\d+)/m.exec(text)?.[1] ?? 'NaN');
  assert.ok(Number.isFinite(n), 'the server exposes gatehouse_audit_auth_failures_suppressed_total');
  return n;
}

/**
 * The refusals from `ip` the pending notes of the audit spool of `dataDir` hold (src/adapters/audit-spool/journal.ts
 * `notePending`), as a hard stop now would leave them for the next start (reviews kp2, lw2).
 */
export async function notedRefusals(dataDir: string, ip: string): Promise<number> {
  const dir = join(dataDir, SPOOL_DIR);
  let n = 0;
  for (const name of (await readdir(dir).catch(() => [] as string[])).filter((x) => x.endsWith('-pending.jsonl'))) {
    const text = await readFile(join(dir, name), 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      if (line === '') continue;
      const r = JSON.parse(line) as { sourceIp?: string; detail: { suppressed?: number } };
      if (r.sourceIp === ip) n += r.detail.suppressed ?? 0;
    }
  }
  return n;
}

export interface FloodBurstOptions {
  /** Requests in flight at once during the burst; default 8. */
  readonly concurrency?: number;
  /** Requests in a closing round (e.g. one per key an address alternates between); default 1. */
  readonly round?: number;
}

/** Rounds in a closing try, sent at once. */
const ROUNDS_PER_TRY = 4;

/**
 * Sends `n` refused requests (`send(i)`, i from 0), `concurrency` at a time, then tries of ROUNDS_PER_TRY rounds of
 * `round` requests at once, until a try is left out (but for its first). Returns how many were sent in all (at least `n`).
 */
export async function floodBurst(url: string, n: number, send: (i: number) => Promise<void>, options: FloodBurstOptions = {}): Promise<number> {
  const round = options.round ?? 1;
  let sent = 0;
  await Promise.all(
    Array.from({ length: options.concurrency ?? 8 }, async () => {
      while (sent < n) {
        const i = sent;
        sent += 1;
        await send(i);
      }
    }),
  );
  // A token comes back every 200 ms: a round sent right after the burst is left out unless the host stalls. The count
  // read after one try is the next one's start, so that a try takes its requests and one read of /metrics. On a host
  // loaded past 200 ms a call (beside eight other sessions, load 40 on 2 cores) every try of one round had a token back
  // and was recorded, 230 tries in 60 s (stop 63): a try is now ROUNDS_PER_TRY rounds sent at once, whose first
  // request takes the token that came back while the count was read and whose others are left out, and it is enough
  // that all but one are left out. The requests go at once and the server takes them one after another in a few
  // milliseconds, so the one recorded is the first it took, not the last (a token comes back only 200 ms later).
  // Tried until one is, bounded by time (SETTLE_MS), not by a count of tries.
  const size = round * ROUNDS_PER_TRY;
  let before = await leftOutCount(url);
  let tries = 0;
  for (const end = Date.now() + SETTLE_MS; Date.now() < end; tries++) {
    const first = sent;
    sent += size;
    await Promise.all(Array.from({ length: size }, (_, k) => send(first + k)));
    const now = await leftOutCount(url);
    if (now - before >= size - 1) return sent;
    before = now;
  }
  throw new Error(`no try of ${size} refusal(s) was left out (but for one) by the flood limit in ${tries} tries over ${SETTLE_MS / 1000} s`);
}
