/**
 * Review jj, 5: after the database is restored from a backup under running instances, a change made through one of
 * them reaches the others at once again, not at their safety-net poll. An instance drops a change notification whose
 * sequence number it has applied already (`seq <= head`), and the head it compares with only grew: a restore puts the
 * database's head back, so every notification after it named a number the instance had passed before the restore, and
 * was dropped, until the head passed its old value again (as many changes as the restore took away). Meanwhile a
 * revocation, a deny or a disabled user made through another instance was enforced only at the poll:
 * GATEHOUSE_CHANGE_POLL_MS, up to 10 minutes, which a deployment whose notifications flow sets high. Now a notification
 * at or below one already heard says the head went back (PostgreSQL delivers them in commit order, and the sequence
 * follows commit order), the instance refreshes, and the head it compares with goes back with the directory's.
 *
 * Two apps on one PostgreSQL schema (the machine's, a throw-away one); B follows changes as a server does
 * (`followChanges`, notifications on, its poll a minute); the restore puts the head back with a second connection.
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openPostgresStore, type PostgresStore } from '../src/adapters/store-postgres/index.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { createApp, type App, type AppDeps } from '../src/app/index.ts';
import { followChanges, type Following } from '../src/app/live.ts';
import type { SessionClaims } from '../src/core/sts/session.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

const skip = await pgSkip();

async function within(ms: number, ok: () => boolean): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) if (ok()) return true;
  return ok();
}

describe('change notifications after a restore (review jj, 5)', { skip, timeout: 30_000 }, () => {
  const schema = `gh_jj5_${randomBytes(6).toString('hex')}`;
  const masterKey = masterKeyFromBytes(randomBytes(32));
  const stores: PostgresStore[] = [];
  const apps: App[] = [];
  let a: App;
  let b: App;
  let following: Following | undefined;
  const issued = Date.now() - 60_000;
  const revokedOnB = (sid: string): boolean => b.live.isRevoked({ sid, iat: issued } as SessionClaims);

  const appOn = async (): Promise<App> => {
    const store = await openPostgresStore({ url: PG_URL, schema, poolSize: 3 });
    stores.push(store);
    const deps: AppDeps = { store, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKey), sessions: sessionCrypto };
    const app = createApp(deps, { audit: { enabled: false } });
    apps.push(app);
    await app.start();
    return app;
  };

  before(async () => {
    a = await appOn();
    b = await appOn();
    const store = stores[1] as PostgresStore;
    following = followChanges({ refresh: () => b.refresh(), head: () => b.refreshedHead(), subscribe: store.subscribe?.bind(store), log: () => undefined, pollMs: 60_000, fallbackPollMs: 60_000 });
    assert.ok(await within(5_000, () => following?.listening() === true), 'B listens');
    await a.live.revoke('sid', 'before-the-restore', Date.now());
    assert.ok(await within(3_000, () => revokedOnB('before-the-restore')), 'a notification reaches B before the restore');
    // Changes after the backup, which the restore takes away.
    const back = a.live.head;
    await (stores[0] as PostgresStore).write(async (tx) => {
      for (let i = 0; i < 5; i++) await tx.kv.put(`job/jj5-${i}`, '{}');
    });
    assert.ok(await within(3_000, () => b.refreshedHead() === back + 5));
    await pgAdmin(async (c) => {
      await c.query('BEGIN');
      await c.query(`DELETE FROM ${schema}.kv WHERE kv_key LIKE 'job/jj5-%'`);
      await c.query(`DELETE FROM ${schema}.changes WHERE seq > $1`, [back]);
      await c.query(`UPDATE ${schema}.change_head SET seq = $1 WHERE id = 1`, [back]);
      await c.query('COMMIT');
    });
  });
  after(async () => {
    await following?.stop();
    for (const app of apps) await app.audit.stop();
    for (const s of stores) await s.close();
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
  });

  it('a revocation made through A after the restore is enforced on B at once', async () => {
    await a.live.revoke('sid', 'after-the-restore-1', Date.now());
    assert.ok(await within(3_000, () => revokedOnB('after-the-restore-1')), 'B dropped the notification of a revocation made after the restore (its head had passed that number before it)');
  });

  it('and the next ones too', async () => {
    await a.live.revoke('sid', 'after-the-restore-2', Date.now());
    await a.live.revoke('sid', 'after-the-restore-3', Date.now());
    assert.ok(await within(3_000, () => revokedOnB('after-the-restore-3') && revokedOnB('after-the-restore-2')));
    assert.ok(await within(3_000, () => b.refreshedHead() === a.live.head), `B's head ${b.refreshedHead()}, A's ${a.live.head}`);
  });
});
