/**
 * Review K, K5 (the window left open, closed at stop 25): `hasRoom` counted registrations in flight, but the place was
 * taken only when `register` began, a turn after `hasRoom` had answered. Requests whose `hasRoom` answered in the same
 * turn each found the one free place and each registered: an account bounded to 3 with 2 records took 3 more from 3
 * AssumeRole calls arriving together. `reserve` now checks and takes the place with no turn between, and `register`
 * gives it back when its write ends. Real SessionScopes over a real SQLite store.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SessionScopes, type UnsealedClaims } from '../src/app/session-scopes.ts';
import { openSqliteStore, type SqliteStore } from '../src/adapters/store-sqlite/index.ts';

const ACCT = '000000000000';
let dir: string;
let store: SqliteStore;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-k5b-'));
  store = await openSqliteStore({ dataDir: dir });
});
after(async () => {
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('requests arriving together at the last free place: one takes it', async () => {
  const now = Date.now();
  let n = 0;
  const scopes = new SessionScopes({ store, now: () => now, randomBytes: (k) => new Uint8Array(k).fill(n++ % 256) }, { maxPerAccount: 3 });
  const claims = (name: string): UnsealedClaims => ({ acct: ACCT, part: 'aws', role: { name: 'worker', path: '/', id: 'AROAWORKER' }, name, iat: now, exp: now + 900_000, tags: { team: 'ml' } });
  for (const s of ['s1', 's2']) await scopes.register(claims(s));
  // As sts.ts issues: reserve, then register with the place taken.
  const issue = async (name: string): Promise<boolean> => {
    if (!(await scopes.reserve(ACCT))) return false;
    await scopes.register(claims(name), true);
    return true;
  };
  const results = await Promise.all(['a', 'b', 'c'].map(issue));
  assert.deepEqual(results.filter(Boolean).length, 1, JSON.stringify(results));
  assert.equal(scopes.size, 3);
  // Every place given back: none left taken by the two refused or the one registered.
  assert.equal(await scopes.hasRoom(ACCT), false);
  assert.equal(await scopes.hasRoom('111111111111'), true);
  // A reserved place not used is given back (a session that turned out to carry nothing).
  const other = new SessionScopes({ store, now: () => now, randomBytes: (k) => new Uint8Array(k).fill(7) }, { maxPerAccount: 1 });
  assert.equal(await other.reserve('222222222222'), true);
  assert.equal(await other.reserve('222222222222'), false);
  await other.register({ acct: '222222222222', part: 'aws', role: { name: 'r', path: '/', id: 'AROAR' }, name: 'plain', iat: now, exp: now + 900_000 }, true);
  assert.equal(await other.reserve('222222222222'), true);
});
