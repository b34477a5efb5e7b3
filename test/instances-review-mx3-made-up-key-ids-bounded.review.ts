/**
 * Review mx, 3: every request signed with a made-up access key id made the instance read the database, with no bound, so anyone could keep every instance's refresh loop running back to back.
 *
 * Before the fix 1 of 2 tests failed.
 *
 * A long-term key id an instance does not hold may have been created a moment ago through another instance, so the
 * change log is read once before the key counts as unknown (review hf, 2; docs/decisions.md "The whole directory is
 * compiled in memory"). That read was a refresh per request: no signature is checked before it (the secret is what
 * is looked up), so unauthenticated requests with random `AKIA…` ids ran refreshes back to back, one store transaction
 * per request, on every instance they reached. Tokens naming an unknown session key were bounded long ago (review
 * M3: shared reads, at most one per 100 ms, "so made-up key ids cost the database at most 10 reads a second"); access
 * key ids not held now go the same way. A key created through another instance a moment before still works at once.
 *
 * Two apps (instances A and B) on one schema of the test PostgreSQL; B's store counts its read transactions.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { createApp, type App, type AppDeps } from '../src/app/index.ts';
import type { Store } from '../src/app/ports/store.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

const skip = await pgSkip();
const schema = `mx3_${randomBytes(6).toString('hex')}`;
const masterKey = masterKeyFromBytes(randomBytes(32));
const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  if (skip === undefined) await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
});

/** An app on the schema; `reads` counts the read transactions its store began. */
async function appOn(): Promise<{ app: App; reads: () => number }> {
  const store = await openPostgresStore({ url: PG_URL, schema, poolSize: 3 });
  let reads = 0;
  const counted: Store = Object.assign(Object.create(store) as Store, {
    read: ((fn, options) => {
      reads++;
      return store.read(fn, options);
    }) as Store['read'],
  });
  const deps: AppDeps = { store: counted, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKey), sessions: sessionCrypto };
  const app = createApp(deps, { audit: { enabled: false } });
  closers.push(async () => {
    await app.audit.stop();
    await store.close();
  });
  await app.start();
  return { app, reads: () => reads };
}

const madeUp = (): string => `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;

describe('requests with made-up access key ids (review mx, 3)', { skip, timeout: 60_000 }, () => {
  let a: App;
  let b: { app: App; reads: () => number };
  let rootKeyId = '';

  it('cost the database a bounded number of reads, however many arrive', async () => {
    a = (await appOn()).app;
    const creds = await a.bootstrap();
    assert.ok(creds);
    rootKeyId = creds.AccessKeyId;
    b = await appOn();
    // One second of requests back to back, one at a time, each naming a key id no instance holds.
    const before = b.reads();
    let requests = 0;
    for (const end = Date.now() + 1_000; Date.now() < end; requests++) {
      const r = await b.app.authenticate(madeUp());
      assert.equal(r.ok, false);
    }
    const reads = b.reads() - before;
    // At most one read per 100 ms (and the one in flight at each end), whatever the number of requests.
    assert.ok(reads <= 13, `${requests} requests with made-up key ids read the store ${reads} times in a second`);
  });

  it('still takes at once a key created through another instance a moment before', async () => {
    const signedIn = await a.authenticate(rootKeyId);
    assert.ok(signedIn.ok);
    const made = await a.directory.createUser(signedIn.value.caller, { userName: 'ci' });
    assert.ok(made.ok);
    const created = await a.directory.createAccessKey(signedIn.value.caller, { userName: 'ci' });
    assert.ok(created.ok);
    // A flood of made-up ids on B meanwhile does not hold the real one back.
    const flood = Promise.all(Array.from({ length: 50 }, () => b.app.authenticate(madeUp())));
    const started = Date.now();
    const r = await b.app.authenticate(created.value.key.id);
    assert.ok(r.ok, `the key made through A, on B: ${JSON.stringify(r)}`);
    assert.ok(Date.now() - started < 5_000);
    await flood;
  });
});
