/**
 * Review jj, 1: a burst of changes does not make every instance read its whole registry of scoped sessions again. The
 * registry (src/app/session-scopes.ts: every live role session with a session policy, session tags or a source
 * identity, up to 100,000 an account, 1 to 9 KB each) followed the change log one page of 1,000 changes at a time, and
 * past that read every record of every account again, parsed and re-shared them. Each scoped AssumeRole is one change:
 * a burst of 1,000 of them between two refreshes (an identity provider's morning log-in, a job of 1,000 processes
 * assuming with session tags) made every instance read the whole registry, over and over while the burst lasted, on
 * the decisions' own thread. Review ae, 4 fixed the same for the directory (the change log read in pages, up to 50);
 * the registry kept its one page. Now it reads the pages as the directory, the resource policies, the bindings and the
 * RBAC do (src/app/change-log.ts `readChanges`), and what they touch, 1,000 keys a statement.
 *
 * The registry of instance B on a PostgreSQL schema (the machine's, a throw-away one): B holds 100 sessions; 700 are
 * registered and 400 other changes made through another instance; B's refresh reads the new records, not all.
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { SESSION_SCOPE_PREFIX, SessionScopes, type ScopeRecord } from '../src/app/session-scopes.ts';
import type { ReadTx, Store } from '../src/app/ports/store.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

const skip = await pgSkip();
const ACCOUNT = '111111111111';

/** Registrations as `SessionScopes.register` writes them (its record, under its key), many in one transaction. */
const registered = (names: readonly string[], now: number): Promise<void> =>
  store.write(async (tx) => {
    for (const name of names) {
      const arn = `arn:aws:sts::${ACCOUNT}:assumed-role/Trainer/${name}`;
      const record: ScopeRecord = { arn, account: ACCOUNT, partition: 'aws', role: { name: 'Trainer', path: '/', id: 'AROATRAINER' }, sessionName: name, issued: now, expires: now + 3_600_000, tags: { team: 'vision' } };
      await tx.kv.put(`${SESSION_SCOPE_PREFIX}${arn}/${now}-${randomBytes(8).toString('hex')}`, JSON.stringify(record));
    }
  });
let store: Store;

describe('a burst of changes and the registry of scoped sessions (review jj, 1)', { skip, timeout: 60_000 }, () => {
  const schema = `gh_jj1_${randomBytes(6).toString('hex')}`;
  /** Listings of the whole registry B's reads made (`kv.list` of its prefix). */
  let wholeReads = 0;
  let b: SessionScopes;
  const now = Date.now();
  /** B's refresh, as the app's: in a read transaction, up to the change head it reads. */
  const refreshB = (): Promise<void> =>
    store.read(async (tx) => {
      const counted: ReadTx = {
        ...tx,
        kv: {
          ...tx.kv,
          list: (prefix, page) => {
            if (prefix === SESSION_SCOPE_PREFIX) wholeReads += 1;
            return tx.kv.list(prefix, page);
          },
        },
      };
      await b.refresh(counted, await tx.changes.head());
    });

  before(async () => {
    store = await openPostgresStore({ url: PG_URL, schema, poolSize: 3 });
    b = new SessionScopes({ store, now: () => now, randomBytes: (n) => randomBytes(n) });
    await registered(Array.from({ length: 100 }, (_, i) => `early-${i}`), now);
    await refreshB();
    assert.equal(b.size, 100);
    wholeReads = 0;
    // The burst: 700 scoped sessions through another instance, and 400 changes of other kinds (jobs' records), between two refreshes of B.
    await registered(Array.from({ length: 700 }, (_, i) => `burst-${i}`), now);
    await store.write(async (tx) => {
      for (let i = 0; i < 400; i++) await tx.kv.put(`job/jj1-${i}`, '{}');
    });
    await refreshB();
  });
  after(async () => {
    await store?.close();
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
  });

  it('B holds every session registered through the other instance in the burst', () => {
    assert.equal(b.size, 800);
    assert.equal(b.live(ACCOUNT, 'trainer', 'burst-699').length, 1);
    assert.equal(b.live(ACCOUNT, 'Trainer', 'early-0').length, 1);
  });

  it('B read what the burst changed, not its whole registry again', () => {
    assert.equal(wholeReads, 0, 'B listed every scoped session of every account again for a burst of 1,100 changes');
  });
});
