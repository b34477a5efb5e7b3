/**
 * The PostgreSQL of the test machine (127.0.0.1:5432, trust auth, database `test`; GATEHOUSE_TEST_DATABASE_URL
 * or GATEHOUSE_DATABASE_URL elsewhere), for the suites that run against both stores: its URL, an admin
 * connection for a function, and why the PostgreSQL runs are skipped when it cannot be reached.
 */
import { AsyncResource } from 'node:async_hooks';
import pg from 'pg';

export const PG_URL = process.env['GATEHOUSE_TEST_DATABASE_URL'] ?? process.env['GATEHOUSE_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Runs `fn` on a connection of its own, closed afterwards. The connection may take 10 s: under the suite's load (three
 * test processes, each starting servers) 3 s expired, and the suites asking were skipped.
 */
export async function pgAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

let probe: Promise<string | undefined> | undefined;

/**
 * Undefined when PostgreSQL answers; else why its runs are skipped (the URL without its password). Asked once a process
 * (a group file loads a dozen suites that ask), and asked again after a timeout, which is load, not absence: a refused
 * connection is absence. With GATEHOUSE_TEST_REQUIRE_POSTGRES=1 (.ci/run, which starts PostgreSQL first) absence throws
 * instead: a suite skipped there hid that it never ran (stop 25 found the instances reviews and review aa's skipped in
 * CI after a 3 s connection timeout, counted as neither passed nor skipped).
 *
 * Each caller's answer is settled in the caller's own async context. A group file's suites (test/support/suites.ts)
 * import their files side by side, and node:test gives a test, suite or hook the parent of the async context it is
 * declared in; a module's top-level `await` resumes in the context of whatever settled the promise. Settled by the one
 * probe, `const skip = await pgSkip()` resumed every later file in the suite of the file that asked first: its suites
 * and hooks ran there, before its own hooks declared above the `await`, or failed once that suite had ended.
 */
export function pgSkip(): Promise<string | undefined> {
  const caller = new AsyncResource('pgSkip');
  const answer = (probe ??= (async () => {
    let last: unknown;
    for (let i = 0; i < 3; i++) {
      try {
        await pgAdmin((c) => c.query('SELECT 1'));
        return undefined;
      } catch (e) {
        last = e;
        if (!/timeout|timed out/i.test(e instanceof Error ? e.message : String(e))) break;
      }
    }
    const why = `PostgreSQL unreachable at ${PG_URL.replace(/\/\/[^@]*@/, '//…@')} (${last instanceof Error ? last.message : String(last)})`;
    if (process.env['GATEHOUSE_TEST_REQUIRE_POSTGRES'] === '1') throw new Error(`${why}, and GATEHOUSE_TEST_REQUIRE_POSTGRES=1 requires it`);
    return `${why}; set GATEHOUSE_TEST_DATABASE_URL to run these`;
  })());
  return new Promise((resolve, reject) =>
    answer.then(
      (v) => caller.runInAsyncScope(resolve, null, v),
      (e: unknown) => caller.runInAsyncScope(reject, null, e),
    ),
  );
}
