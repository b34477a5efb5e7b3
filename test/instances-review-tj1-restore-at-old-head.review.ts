/**
 * Review tj, 1: a database restored from a backup, then changed through another instance exactly as many times as the
 * restore took away, is taken for one. An instance tells a restore by a change head below the one it last read (reviews
 * jj, 4, hi, 1, kq, 2) or by another change standing under that head's number (review qp, 2); but a reload that found the
 * head at the very number it last read returned before looking ("nothing changed"), so the change at that number was
 * never compared. An instance cut off from the database while it was restored (its notifications lost with it), or
 * between two polls, kept what the restore took away (a user made after the backup) and never applied what was written
 * after the restore under that number (a `sts revoke-sessions` through another instance: the revoked sessions worked on
 * it), until some later change moved the head: in a quiet deployment, for hours. Contract: issue 7 (a change made
 * through one instance, and a revocation, enforced by all within a second; DESIGN.md "Scale-out"); docs/decisions.md
 * ("Restore").
 *
 * Two apps on one throw-away schema of the machine's PostgreSQL; the restore is made with a connection of its own (the
 * rows written since the backup removed, the changes after the backup's head deleted and the head put back), then a
 * revocation is written through a third store on the schema, padded to land the head on B's old head exactly.
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openPostgresStore, type PostgresStore } from '../src/adapters/store-postgres/index.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { createApp, type App, type AppDeps } from '../src/app/index.ts';
import { putRevocation, userKey } from '../src/app/live.ts';
import { roleArnOf, type SessionClaims } from '../src/core/sts/session.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

const skip = await pgSkip();
const ROOT = '000000000000';

describe('a restore that changes made since bring back to the old head (review tj, 1)', { skip, timeout: 60_000 }, () => {
  const schema = `gh_tj1_${randomBytes(6).toString('hex')}`;
  const masterKey = masterKeyFromBytes(randomBytes(32));
  const stores: PostgresStore[] = [];
  const apps: App[] = [];
  let b: App;
  /** A session of role `worker`, issued an hour ago. */
  const claims: SessionClaims = { v: 1, sid: 'tj1-session', ak: 'ASIAEXAMPLETJ1000001', sk: '', acct: ROOT, part: 'aws', role: { name: 'worker', path: '/', id: 'AROAEXAMPLETJ1' }, name: 'tj1', iat: Date.now() - 3_600_000, exp: Date.now() + 3_600_000 };

  const appOn = async (): Promise<App> => {
    const store = await openPostgresStore({ url: PG_URL, schema, poolSize: 2 });
    stores.push(store);
    const deps: AppDeps = { store, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKey), sessions: sessionCrypto };
    const app = createApp(deps, { audit: { enabled: false } });
    apps.push(app);
    await app.start();
    return app;
  };

  before(async () => {
    const a = await appOn();
    const creds = await a.bootstrap();
    assert.ok(creds);
    const signedIn = await a.authenticate(creds.AccessKeyId);
    assert.ok(signedIn.ok);
    b = await appOn();
    await b.refresh();
    const back = b.live.head;
    // After the backup, through A: a user, which B applies.
    assert.ok((await a.directory.createUser(signedIn.value.caller, { userName: 'made-after-backup' })).ok);
    await b.refresh();
    const old = b.live.head;
    assert.ok(old > back);
    assert.ok(b.live.principals.get(userKey(ROOT, 'made-after-backup')) !== undefined);
    assert.equal(b.live.isRevoked(claims), false);
    // The restore, under B (which follows no changes by itself: cut off, it hears nothing meanwhile).
    await pgAdmin(async (c) => {
      await c.query('BEGIN');
      await c.query(`DELETE FROM "${schema}".users WHERE name = 'made-after-backup'`);
      await c.query(`DELETE FROM "${schema}".changes WHERE seq > $1`, [back]);
      await c.query(`UPDATE "${schema}".change_head SET seq = $1 WHERE id = 1`, [back]);
      await c.query('COMMIT');
    });
    // After the restore, through another instance: the role's sessions revoked, and the head brought to B's old one.
    const other = await openPostgresStore({ url: PG_URL, schema, poolSize: 1 });
    stores.push(other);
    await other.write(async (tx) => {
      await putRevocation(tx, 'role', roleArnOf('aws', ROOT, '/', 'worker'), Date.now());
      for (let i = 0; (await tx.changes.head()) < old; i++) await tx.kv.put(`tj1/pad-${i}`, '1');
    });
    assert.equal(await other.read((tx) => tx.changes.head()), old);
    await b.refresh();
  });

  after(async () => {
    for (const app of apps) await app.audit.stop();
    for (const s of stores) await s.close();
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)).catch(() => undefined);
  });

  it('the instance counts it a restore', () => {
    assert.ok(b.live.restores > 0, 'the head stood at the number the instance last read, and it looked no further');
  });

  it('a user the restore took away is gone from the instance', () => {
    assert.equal(b.live.principals.get(userKey(ROOT, 'made-after-backup')), undefined, 'the instance still holds a user the database no longer has');
  });

  it('a revocation written through another instance after the restore is in force', () => {
    assert.equal(b.live.isRevoked(claims), true, 'the revoked session still works on the instance');
  });
});
