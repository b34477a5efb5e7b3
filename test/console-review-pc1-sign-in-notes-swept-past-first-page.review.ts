/**
 * Review pc, 1: the notes of ended console sign-ins were never deleted past the first 1,000 in the store.
 *
 * Each console sign-in (`POST /v1/console/sign-in`, which any access key or session may open: no permission is asked)
 * writes a note of its last use to the store (`console-use/<session id>`, src/app/sts.ts noteConsoleUse), and each
 * instance sweeps the notes of sign-ins that can no longer be used (past their 8 hours and the idle limit) once an hour
 * (sweepConsoleUse). The sweep read the first 1,000 notes by key, and only those: once more than 1,000 were kept (more
 * than 1,000 sign-ins within about nine hours, or a script opening them), every note whose session id sorted after the
 * thousandth stayed in the store for good, one more row each sign-in, however long ago it ended. The contract: the
 * sweep's own doc ("Drops the uses of sign-ins that can no longer be used … here and in the store"), and STYLE.md
 * (habit 10: untrusted input is bounded; a caller's requests must not grow the store without limit).
 *
 * What is now so: the sweep reads the notes page after page, every one of them, and deletes each that has ended.
 *
 * One app instance on the test server's store (test/support/instances.ts) with its own clock: 1,200 notes of sign-ins
 * that ended nine hours ago are written to the store as noteConsoleUse writes them, then a sign-in two hours after the
 * instance started runs the sweep.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { App } from '../src/app/index.ts';
import type { Store } from '../src/app/ports/store.ts';
import { instanceBeside } from './support/instances.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const HOUR = 3_600_000;
const PREFIX = 'console-use/';

describe('console review pc1: the notes of ended console sign-ins are swept, however many there are', () => {
  let server: TestServer;
  const clock = { t: Date.now() };
  let app: App;
  let store: Store;
  before(async () => {
    server = await startTestServer();
    const made = await instanceBeside(server, { now: () => clock.t, options: { consoleIdleSeconds: 1800 } });
    app = made.app;
    store = made.store;
  });
  after(async () => {
    await store?.close().catch(() => {});
    await server?.stop();
  });

  it('1,200 notes of sign-ins ended nine hours ago are all deleted by the next sweep', async () => {
    const start = clock.t;
    const ended = String(start - 9 * HOUR);
    // Session ids as `issue` makes them: 22 characters of base32-like text, in no particular order.
    const sids = Array.from({ length: 1200 }, () => randomBytes(16).toString('base64url').slice(0, 22));
    await store.write(async (tx) => {
      for (const sid of sids) await tx.kv.note(`${PREFIX}${sid}`, ended);
    });
    const stale = async (): Promise<number> => (await store.read((tx) => tx.kv.list(PREFIX))).filter((e) => Number(e.value) < start - 8 * HOUR).length;
    assert.equal(await stale(), 1200);

    // Two hours after the instance started, a sign-in: its note runs the hourly sweep.
    clock.t = start + 2 * HOUR;
    const admin = await app.authenticate(server.admin.accessKeyId);
    assert.ok(admin.ok);
    const signedIn = app.sts.consoleSignIn(admin.value.caller);
    assert.ok(signedIn.ok, JSON.stringify(signedIn));

    const deadline = Date.now() + 20_000;
    let left = await stale();
    // The sweep deletes what it deletes in the background: waited for until no note is left, or nothing moves for 2 s.
    let still = Date.now();
    while (left > 0 && Date.now() < deadline && Date.now() - still < 2_000) {
      await new Promise((r) => setTimeout(r, 50));
      const now = await stale();
      if (now !== left) still = Date.now();
      left = now;
    }
    assert.equal(left, 0, `${left} of the 1,200 notes of sign-ins that ended 9 hours ago are still in the store after the sweep`);
    // The live sign-in's own note is kept.
    const live = (await store.read((tx) => tx.kv.list(PREFIX))).filter((e) => Number(e.value) >= start);
    assert.equal(live.length, 1, JSON.stringify(live));
  });
});
