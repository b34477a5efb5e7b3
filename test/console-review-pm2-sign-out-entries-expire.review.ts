/**
 * Review pm, finding 2: every console sign-out (and every idle sign-out) left a revocation entry kept 36 h 15 min, the
 * longest any session lasts, though the sign-in it ends lasts 8 h at most. Signing out needs no permission, and every
 * instance holds the whole list and loads it at start (src/app/live.ts), so a loop of sign-in and sign-out grew it on
 * every instance for a day and a half after the sign-ins themselves had expired.
 *
 * The contract: src/app/live.ts `pruneRevocations` (stop 29): an entry is kept as long as a session it refuses may still
 * be presented, its expiry plus the clock skew allowed (15 min, `CLOCK_SKEW_MS`), and no longer; a console sign-in ends
 * at its own expiry (src/app/sts.ts consoleSignIn, at most 8 h). Now a sign-out's entry names the sign-in's expiry, and
 * the prune deletes it once that and the skew have passed; until then it refuses the sign-in as before.
 *
 * Real server (SQLite), SigV4-signed `POST /v1/console/sign-in` and `/v1/console/sign-out`; the list counted in the
 * store, and pruned as the server's hourly prune does, at an instant 9 h on.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const HOUR = 3_600_000;
const LOOPS = 20;
let s: TestServer;
const signedIn: Credentials[] = [];

const revocations = async (): Promise<number> => (await s.running.app.deps.store.read((tx) => tx.kv.list('revoke/'))).length;

before(async () => {
  s = await startTestServer();
  for (let i = 0; i < LOOPS; i++) {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/console/sign-in');
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const c = r.json['credentials'] as { accessKeyId: string; secretAccessKey: string; sessionToken: string };
    const me = { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken };
    const out = await gatehouseJson(s.url, me, 'POST', '/v1/console/sign-out');
    assert.equal(out.status, 200, JSON.stringify(out.json));
    signedIn.push(me);
  }
});
after(() => s?.stop());

test('a signed-out sign-in is refused, on this instance and after a reload', async () => {
  assert.equal(await revocations(), LOOPS, 'one entry per sign-out');
  for (const me of [signedIn[0] as Credentials, signedIn[LOOPS - 1] as Credentials]) {
    const r = await gatehouseJson(s.url, me, 'GET', '/v1/whoami');
    assert.equal(r.status, 403, JSON.stringify(r.json));
  }
  // Pruned now, or 8 h on (the sign-ins expire then, but the skew has not passed): nothing goes.
  assert.equal(await s.running.app.live.pruneRevocations(Date.now()), 0);
  assert.equal(await s.running.app.live.pruneRevocations(Date.now() + 8 * HOUR), 0);
  assert.equal(await revocations(), LOOPS);
});

test('the entries go once the sign-ins they end have expired and the skew has passed', async () => {
  const before = await revocations();
  const pruned = await s.running.app.live.pruneRevocations(Date.now() + 9 * HOUR);
  const left = await revocations();
  assert.equal(before, LOOPS);
  // Before the fix: 0 pruned, 20 left until 36 h 15 min on.
  assert.equal(pruned, LOOPS, `pruned ${pruned} of ${before}`);
  assert.equal(left, 0, `${left} entries left`);
});
