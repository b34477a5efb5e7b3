/**
 * STS review E4: an account at its bound of scoped sessions does not make every refused AssumeRole walk the registry
 * (src/app/session-scopes.ts `hasRoom`). Each scoped AssumeRole refused at the bound swept: a walk over every record
 * held, of every account (41 ms for 100,000 records on the review's host), so 25 refused requests a second held the event
 * loop of the whole server; over HTTP at 30,000 records, a GetCallerIdentity sent behind 40 refused AssumeRole calls waited
 * 1.6 s. Now a request at the bound sweeps only when some record may have expired, at most once a second; room still
 * comes back once sessions expire. The registry here is the real one over a real SQLite store, with its own clock.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SESSION_SCOPE_PREFIX, SessionScopes } from '../src/app/session-scopes.ts';
import { openSqliteStore, type SqliteStore } from '../src/adapters/store-sqlite/index.ts';

const ACCT = '000000000000';
const HELD = 20_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
let dir: string;
let store: SqliteStore;

/** A stored record of a session of role `worker` issued at T0, expiring `lifeMs` later. */
function record(name: string, lifeMs: number): string {
  return JSON.stringify({ arn: `arn:aws:sts::${ACCT}:assumed-role/worker/${name}`, account: ACCT, partition: 'aws', role: { name: 'worker', path: '/', id: 'AROAWORKER' }, sessionName: name, issued: T0, expires: T0 + lifeMs, policy: '{"Version":"2012-10-17","Statement":[]}' });
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-e4-'));
  store = await openSqliteStore({ dataDir: dir });
  // HELD - 1 sessions of an hour, and one of 15 minutes: the account is full.
  await store.write(async (tx) => {
    for (let i = 0; i < HELD - 1; i++) await tx.kv.put(`${SESSION_SCOPE_PREFIX}long/${i}`, record(`s${i}`, 3600_000));
    await tx.kv.put(`${SESSION_SCOPE_PREFIX}short/0`, record('short', 900_000));
  });
});
after(async () => {
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A registry over the store, read whole at start; the short session put back if an earlier test swept it. */
async function registry(now: () => number): Promise<SessionScopes> {
  await store.write(async (tx) => tx.kv.put(`${SESSION_SCOPE_PREFIX}short/0`, record('short', 900_000)));
  const scopes = new SessionScopes({ store, now, randomBytes: (n) => new Uint8Array(randomBytes(n)) }, { maxPerAccount: HELD });
  await store.read(async (tx) => scopes.load(tx, await tx.changes.head()));
  assert.equal(scopes.size, HELD);
  return scopes;
}

test('refused at the bound, nothing expired: no walk over the records', async () => {
  const scopes = await registry(() => T0 + 60_000);
  const calls = 200;
  const t = performance.now();
  for (let i = 0; i < calls; i++) assert.equal(await scopes.hasRoom(ACCT), false);
  const ms = performance.now() - t;
  // A walk over 20,000 records takes milliseconds each (9 to 30 ms on the review's loaded host): 200 of them, seconds.
  assert.ok(ms < 250, `${calls} refusals took ${ms.toFixed(0)} ms`);
  assert.equal(await scopes.hasRoom('111111111111'), true, 'another account has room');
});

test('room comes back once a session expires, within a second of the last sweep', async () => {
  let now = T0 + 60_000;
  const scopes = await registry(() => now);
  assert.equal(await scopes.hasRoom(ACCT), false);
  // The short session expires; a sweep is allowed (the last one was long ago): room.
  now = T0 + 900_000 + 1;
  assert.equal(await scopes.hasRoom(ACCT), true);
  assert.equal(scopes.size, HELD - 1, 'the expired record was swept');
});

test('at most one sweep a second at the bound', async () => {
  // A sweep (the timer's, say) 100 ms before the short session expires finds nothing expired.
  const swept = T0 + 900_000 - 100;
  let now = swept;
  const scopes = await registry(() => now);
  assert.equal(await scopes.sweep(), 0);
  // Half a second later the short session has expired, but the last sweep was half a second ago: refused, no sweep.
  now = swept + 500;
  assert.equal(await scopes.hasRoom(ACCT), false);
  assert.equal(scopes.size, HELD);
  now = swept + 1000;
  assert.equal(await scopes.hasRoom(ACCT), true, 'a second after the last sweep, it sweeps');
  assert.equal(scopes.size, HELD - 1);
});
