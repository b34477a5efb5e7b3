/**
 * Waiting on a condition, not for a time: what a test reads is read again until it holds, bounded by time (generously:
 * the suite runs beside other sessions, on a host loaded past 20 on 2 cores), never by a count of tries. A fixed number
 * of polls (50 of 100 ms) was 5 s on a quiet host and, each read taking a second or more under load, too few to see a
 * summary its timer writes once an address is quiet (the CI run of stop 63 failed reviews kn1, kn2, kp1, kp4, nm1 and
 * nz2 so). The last value read is returned whether or not it holds: the test's own assertions then say what was wrong.
 */

/** How long a test waits, by default, for what it needs to hold. */
export const SETTLE_MS = 60_000;

/** Reads `read()` every `stepMs` until `done` holds of it or `ms` have passed; the last value read. */
export async function settled<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = SETTLE_MS, stepMs = 100): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() >= end) return value;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
