/**
 * What the memory tests (the limits reviews eb1, ed3) need around a census of the heap (`v8.queryObjects`, which
 * collects garbage first and walks the heap).
 */

/**
 * `maxAttempts` of the SDK clients a test uses across a census: one retry. A census holds the test's thread for
 * seconds on a loaded machine, and a kept-alive connection idle past the server's 5 s keep-alive is then closed by the
 * server as the client sends on it (ECONNRESET; stop 40 saw it twice in CI), which an SDK client's default retries
 * absorb. A client made after the census (one a session) needs none.
 */
export const ACROSS_A_CENSUS = 2;
