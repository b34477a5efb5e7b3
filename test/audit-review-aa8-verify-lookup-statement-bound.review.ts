/**
 * Review aa8: on PostgreSQL, `audit verify` fails with 503 ServiceUnavailable on every run once the log is a few
 * million records. P1's `lookupCheck` compares the whole filter index with the whole log in two statements (EXCEPT of
 * about 3 keys a record each way), and the PostgreSQL store cuts any statement that runs past its bound
 * (`statementTimeoutMs`, 30 s by default, review M1) as a hung database: StoreUnavailableError. The walk reads pages
 * and stays short; this check does not. Measured on this machine: 1.4M records, 36.7 s for the two statements (just
 * under the bound each); 2.6M records, cut. Real server on that 2.6M-record schema: `gatehouse audit verify`
 * answered `503 ServiceUnavailable` after its walk and the CLI walked again (H16), each try the same.
 * Here the log has 50,000 records and the verifying store a bound of 5 s, which no page of the walk comes near;
 * the check itself must run under a bound of its own, above the store's (the CLI waits 10 minutes for a verify). The
 * test records the bound of the read that runs `lookupCheck` (before the fix: the store's own) and verifies the real
 * log. Until stop 35 the bound was scaled down instead (250 ms, then 600 ms with 100,000 records) so that the old
 * whole-log statements were cut; on a loaded CI machine, with PostgreSQL shared by four other suites, a page
 * statement of the walk passed those bounds too, and the test failed for what it does not test.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAudit, type Audit } from '../src/app/audit.ts';
import type { Store } from '../src/app/ports/store.ts';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';
import { rootAdminCaller } from './support/callers.ts';

const skip = await pgSkip();
/** The verifying store's bound on a statement: far above what a page of the walk takes, even on a loaded machine. */
const STORE_BOUND_MS = 5_000;
/** The statement bound of each read that ran `lookupCheck` (undefined: the store's own). */
const lookupBounds: (number | undefined)[] = [];

/** `store`, noting in `lookupBounds` the bound of every read in which the filter index is checked. */
function recordingLookupBounds(store: Store): Store {
  return new Proxy(store, {
    get(target, name, receiver) {
      if (name !== 'read') return Reflect.get(target, name, receiver);
      const read: Store['read'] = (fn, options) =>
        target.read(
          (tx) =>
            fn(
              new Proxy(tx, {
                get(t, n) {
                  if (n !== 'audit') return Reflect.get(t, n);
                  return new Proxy(t.audit, {
                    get(a, m) {
                      if (m !== 'lookupCheck') return Reflect.get(a, m);
                      return () => {
                        lookupBounds.push(options?.statementTimeoutMs);
                        return a.lookupCheck();
                      };
                    },
                  });
                },
              }),
            ),
          options,
        );
      return read;
    },
  });
}
const ROOT = '000000000000';
const admin = rootAdminCaller;

describe('review aa8: verify on a large PostgreSQL log is not cut by the statement bound', { skip, timeout: 120_000 }, () => {
  const schema = `gh_review_aa8_${process.pid}`;
  let writer: Store;
  let store: Store;
  let audit: Audit;
  let t = Date.parse('2026-01-01T00:00:00Z');

  before(async () => {
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    writer = await openPostgresStore({ url: PG_URL, schema });
    const written = createAudit({ store: writer, now: () => t }, { flushMs: 5 });
    for (let i = 0; i < 50_000; i++) {
      t += 1;
      written.record({ kind: 'decision', account: ROOT, principal: `arn:aws:iam::${ROOT}:user/u${i % 50}`, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', decision: 'Allow', ...(i % 3 === 0 ? { role: `arn:aws:iam::${ROOT}:role/r${i % 7}` } : {}) });
      if (i % 10_000 === 0) await written.flush();
    }
    assert.equal(await written.flush(), true);
    await written.stop();
    store = await openPostgresStore({ url: PG_URL, schema, statementTimeoutMs: STORE_BOUND_MS });
    audit = createAudit({ store: recordingLookupBounds(store), now: () => t }, { flushMs: 5 });
  });
  after(async () => {
    await audit?.stop();
    await store?.close();
    await writer?.close();
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
  });

  it('verify answers intact', async () => {
    // Before: rejects with StoreUnavailableError (PostgreSQL is unavailable: Connection terminated unexpectedly).
    const r = await audit.verify(admin);
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(lookupBounds.length, 1, 'one read checks the filter index');
    assert.ok((lookupBounds[0] ?? 0) > STORE_BOUND_MS, `the filter index check runs under a bound of its own above the store's ${STORE_BOUND_MS} ms: ${String(lookupBounds[0])}`);
    assert.equal(r.value.ok, true, JSON.stringify(r.value.broken));
    assert.equal(r.value.checked, 50_000);
  });
});
