/**
 * The PostgreSQL of the test machine (127.0.0.1:5432, trust auth, database `test`; GATEHOUSE_TEST_DATABASE_URL
 * or GATEHOUSE_DATABASE_URL elsewhere), for the suites that run against both stores: its URL, an admin
 * connection for a function, and why the PostgreSQL runs are skipped when it cannot be reached.
 */
import pg from 'pg';

export const PG_URL = process.env['GATEHOUSE_TEST_DATABASE_URL'] ?? process.env['GATEHOUSE_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Runs `fn` on a connection of its own, closed afterwards. */
export async function pgAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Undefined when PostgreSQL answers; else why its runs are skipped (the URL without its password). */
export async function pgSkip(): Promise<string | undefined> {
  return pgAdmin((c) => c.query('SELECT 1')).then(
    () => undefined,
    (e: unknown) => `PostgreSQL unreachable at ${PG_URL.replace(/\/\/[^@]*@/, '//…@')} (${(e as Error).message}); set GATEHOUSE_TEST_DATABASE_URL to run these`,
  );
}
