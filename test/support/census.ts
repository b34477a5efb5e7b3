/**
 * What the memory tests (the limits reviews eb1, ed3) need around a census of the heap (`v8.queryObjects`, which
 * collects garbage first and walks the heap), or around a full collection alone.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * `maxAttempts` of the SDK clients a test uses across a census: one retry. A census holds the test's thread for
 * seconds on a loaded machine, and a kept-alive connection idle past the server's 5 s keep-alive is then closed by the
 * server as the client sends on it (ECONNRESET; stop 40 saw it twice in CI), which an SDK client's default retries
 * absorb. A client made after the census (one a session) needs none.
 */
export const ACROSS_A_CENSUS = 2;

let gc: (() => void) | undefined;

/**
 * A full collection of garbage, for a test that reads the heap used after it (`process.memoryUsage()`), not a count of
 * objects. `v8.queryObjects(Object)` did that collection and then walked every object of the heap testing its
 * prototype chain: with the SDK and a server loaded, some 2 s of CPU a call on a 2,096 MHz host, three quarters of
 * limits-review-ed3's own. Two forced full collections (Node's `--expose-gc` function, turned on for this process at
 * the first call) read the same figures within a megabyte.
 */
export function collectGarbage(): void {
  if (gc === undefined) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
  gc();
}
