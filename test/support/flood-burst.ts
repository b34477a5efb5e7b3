/**
 * A burst of refused requests from one address that ends with refusals the audit log's flood limit left out, so that
 * a summary of them is due (src/app/auth-failures.ts): what the tests of those summaries need, whatever the host's
 * speed. The limit refills a token every 200 ms (5 records a second per address); on a loaded host a burst of 40
 * takes long enough that its last refusal can be recorded, and a record carries the count of those left out before
 * it: then nothing is pending and no summary is written (the official CI of stop 54 failed reviews kn3 and kp3 so).
 * After the burst, closing tries are sent until one is left out (the server's
 * `gatehouse_audit_auth_failures_suppressed_total` grows by the try's size, but for one): the refusals of the try
 * taken after its one record are then pending their summary. Which those are is the host's doing: a test that needs
 * refusals of each of several owners pending holds the clock (`holdClock`).
 */
import assert from 'node:assert/strict';
import { mock } from 'node:test';
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
  /**
   * Holds this process's clock (node:test mock timers, `Date` only) from the burst's first request to the closing
   * try's last, for a server in this process: its flood limit gives no token back, so every refusal after the
   * address's burst allowance (20) is left out and stays pending, of every key the requests alternate between,
   * however slow the host. Without it the closing try's one record may be taken after some of the try's refusals, and
   * carries them (a record carries every refusal of its address left out before it, whatever its key): a try of
   * alice's and an unknown key's whose record came after alice's four left only the unknown key's three to a
   * summary (review kp1 under load, review us, 3). Restored before floodBurst returns: the summaries come once the
   * address has been quiet for a second of the real clock.
   */
  readonly holdClock?: boolean;
}

/** Rounds in a closing try, sent at once. */
const ROUNDS_PER_TRY = 4;

/**
 * Sends `n` refused requests (`send(i)`, i from 0), `concurrency` at a time, then tries of ROUNDS_PER_TRY rounds of
 * `round` requests at once, until a try is left out (but for its first). Returns how many were sent in all (at least `n`).
 */
export async function floodBurst(url: string, n: number, send: (i: number) => Promise<void>, options: FloodBurstOptions = {}): Promise<number> {
  return options.holdClock === true ? withClockHeld(() => burstAndClose(url, n, send, options)) : burstAndClose(url, n, send, options);
}

/**
 * Runs `fn` with this process's clock held (node:test mock timers, `Date` only; `mock.timers.tick(ms)` moves it), for a
 * test whose server is in this process and that must hold it past the burst (`holdClock` releases it as floodBurst
 * returns): once released, the clock jumps by the time it was held, and an address that refused requests while it was
 * held looks quiet at once, so its summary is written at the next sweep (a quarter second). Not `settled` inside: it
 * reads `Date` for its bound.
 */
export async function withClockHeld<T>(fn: () => Promise<T>): Promise<T> {
  mock.timers.enable({ apis: ['Date'], now: Date.now() });
  try {
    return await fn();
  } finally {
    mock.timers.reset();
  }
}

async function burstAndClose(url: string, n: number, send: (i: number) => Promise<void>, options: FloodBurstOptions): Promise<number> {
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
  // milliseconds, so the one recorded is mostly the first it took; not always: on a loaded host a token can come back
  // while the try is taken (see `holdClock`). Tried until one is, bounded by time (SETTLE_MS, of the monotonic clock:
  // `Date` may be held), not by a count of tries.
  const size = round * ROUNDS_PER_TRY;
  let before = await leftOutCount(url);
  let tries = 0;
  for (const end = performance.now() + SETTLE_MS; performance.now() < end; tries++) {
    const first = sent;
    sent += size;
    await Promise.all(Array.from({ length: size }, (_, k) => send(first + k)));
    const now = await leftOutCount(url);
    if (now - before >= size - 1) return sent;
    before = now;
  }
  throw new Error(`no try of ${size} refusal(s) was left out (but for one) by the flood limit in ${tries} tries over ${SETTLE_MS / 1000} s`);
}
