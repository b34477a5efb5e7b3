/**
 * Review K, K8: an account at its bound of scoped sessions whose records have expired finds room while a sweep is
 * deleting them. `hasRoom` swept at the bound only when no sweep had begun in the last second and some record might have
 * expired; a sweep under way (each minute's, or another request's) had already set both, so an AssumeRole made while it
 * ran was refused LimitExceeded, though the records it was deleting were the account's own expired ones. Now it waits
 * for that sweep (a page or two) and checks again. Real SessionScopes over a real SQLite store.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SessionScopes, type UnsealedClaims } from '../src/app/session-scopes.ts';
import { openSqliteStore, type SqliteStore } from '../src/adapters/store-sqlite/index.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');
let dir: string;
let store: SqliteStore;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-k8-'));
  store = await openSqliteStore({ dataDir: dir });
});
after(async () => {
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('a request at the bound while a sweep deletes expired records waits for it and finds room', async () => {
  let now = T0;
  let n = 0;
  const scopes = new SessionScopes({ store, now: () => now, randomBytes: (k) => new Uint8Array(k).fill(n++ % 256) }, { maxPerAccount: 3 });
  const claims = (name: string): UnsealedClaims => ({ acct: '000000000000', part: 'aws', role: { name: 'worker', path: '/', id: 'AROAWORKER' }, name, iat: now, exp: now + 900_000, tags: { team: 'ml' } });
  for (const s of ['s1', 's2', 's3']) await scopes.register(claims(s));
  assert.equal(await scopes.hasRoom('000000000000'), false, 'at the bound');
  now = T0 + 900_001;
  // The minute's sweep begins; a request comes while it runs.
  const sweeping = scopes.sweep();
  const room = await scopes.hasRoom('000000000000');
  assert.equal(await sweeping, 3);
  assert.equal(room, true, 'the expired records being deleted leave room');
});
