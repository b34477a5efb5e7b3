/**
 * Review mz, 2: GATEHOUSE_MIGRATION_LOCK_TIMEOUT_SECONDS took any number of seconds above 0, and a large one (a value
 * meant as "wait as long as it takes", such as 2200000 or 99999999) broke every start on a healthy PostgreSQL: the
 * process's bound on the lock statement's answer (the lock timeout plus 2 s) does not fit Node's 32-bit timer, which
 * then fires after 1 ms, and PostgreSQL's `lock_timeout` stops at 2147483647 ms. Whichever came first: the attempt cut
 * its own connection, logged as "PostgreSQL did not answer the database migrations, taking their lock, in time; the
 * connection was cut", and the start waited for a database that was there, without end by default; or the start
 * failed as the database unavailable (exit 10) with PostgreSQL's `invalid value for parameter "lock_timeout":
 * "2200000000"`, a number the operator never wrote. Now the setting is checked with the others before anything is
 * made: at most 86400 (a day), said naming the variable (exit 2).
 * Real `startServer` (src/main/server.ts) on a throw-away schema of the machine's PostgreSQL.
 * Before the fix 1 of 2 tests failed.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startExitCode, startServer, type RunningServer } from '../src/main/server.ts';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

const skip = await pgSkip();
const root = await mkdtemp(join(tmpdir(), 'gh-review-mz2-'));
const schemas: string[] = [];
after(async () => {
  for (const s of schemas) await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`)).catch(() => undefined);
  await rm(root, { recursive: true, force: true });
});

function start(lockSeconds: string): Promise<RunningServer> {
  const schema = `gh_mz2_${randomBytes(5).toString('hex')}`;
  schemas.push(schema);
  return startServer({
    dataDir: join(root, schema),
    listen: '127.0.0.1:0',
    agentListen: '127.0.0.1:0',
    s3Listen: 'off',
    databaseUrl: PG_URL,
    databaseSchema: schema,
    // Bounded so that the start before the fix, which waited for the database, ends.
    env: { GATEHOUSE_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'), GATEHOUSE_MIGRATION_LOCK_TIMEOUT_SECONDS: lockSeconds, GATEHOUSE_DATABASE_WAIT_SECONDS: '2' },
    log: () => {},
  });
}

describe('review mz2: GATEHOUSE_MIGRATION_LOCK_TIMEOUT_SECONDS within what the bounds can hold', { skip, timeout: 60_000 }, () => {
  it('a value past a day is refused at start, naming the setting, before anything is made', async () => {
    const e = await start('2200000').then(
      async (s) => {
        await s.stop();
        return assert.fail('the start must refuse the setting');
      },
      (x: unknown) => x as Error,
    );
    assert.doesNotMatch(e.message, /did not answer|lock_timeout/);
    assert.match(e.message, /^GATEHOUSE_MIGRATION_LOCK_TIMEOUT_SECONDS must be a number of seconds \(more than 0\), at most 86400 \(a day\), got `2200000`$/);
    assert.equal(startExitCode(e), EXIT.usage);
    await assert.rejects(stat(join(root, schemas.at(-1) ?? '')), { code: 'ENOENT' });
  });

  it('a day is taken, and the migrations run on the healthy database', async () => {
    const s = await start('86400');
    try {
      assert.equal((await fetch(`${s.url}/readyz`)).status, 200);
    } finally {
      await s.stop();
    }
  });
});
