/**
 * PostgreSQL for the benches: the server's URL (`GATEHOUSE_DATABASE_URL`, else the local test database) and
 * a throw-away schema per bench, dropped afterwards, so concurrent runs and test suites never meet.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_URL = process.env['GATEHOUSE_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** `undefined` when PostgreSQL answers, else why not (the bench then reports the backend as skipped). */
export async function pgUnavailable(): Promise<string | undefined> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return undefined;
  } catch (e) {
    return `PostgreSQL unreachable at ${PG_URL.replace(/\/\/[^@]*@/, '//…@')} (${(e as Error).message}); set GATEHOUSE_DATABASE_URL`;
  } finally {
    await c.end().catch(() => {});
  }
}

export function benchSchemaName(): string {
  return `gh_bench_${randomBytes(5).toString('hex')}`;
}

/** Runs one statement on its own connection (statistics, cleanup). */
export async function pgQuery<T extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

export async function dropSchema(schema: string): Promise<void> {
  if (!/^gh_bench_[0-9a-f]+$/.test(schema)) throw new Error(`refusing to drop schema \`${schema}\``);
  await pgQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
}
