/**
 * Review mp, 4: a console sign-in in use was ended for good when one instance could not read its last use.
 *
 * What was wrong: an instance that had not seen a console sign-in within the idle limit reads the note of its last use
 * from the store before refusing it (src/app/sts.ts consoleIdle, review me, 1). A read that failed (the database not
 * answering a moment, a lock timeout) was taken as no note at all, and the instance's own memory of the sign-in, a use
 * it saw half an hour ago, decided: the sign-in, used through another instance minutes before, was refused with
 * ExpiredToken and revoked on every instance, audited as signed out for idleness, and the console signed its operator out
 * for good; the store's hiccup became a lost sign-in and a false audit record.
 *
 * What is now so: when the note cannot be read and this instance's memory alone would refuse the sign-in, the request is
 * answered ServiceUnavailable (503, which clients retry and the console does not read as a sign-out), and nothing is
 * ended; once the note is read again, the sign-in in use is taken.
 *
 * Two app instances on the test server's store (test/support/instances.ts), one clock moved by the test, b's reads of
 * the store made to fail on demand.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { App } from '../src/app/index.ts';
import { StoreUnavailableError, type Store } from '../src/app/ports/store.ts';
import { instanceBeside } from './support/instances.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const MINUTE = 60_000;

describe('console review mp4: a last use that cannot be read ends no sign-in', () => {
  let server: TestServer;
  const clock = { t: Date.now() };
  const failing = { reads: false };
  let a: App;
  let b: App;
  const stores: Store[] = [];
  before(async () => {
    server = await startTestServer();
    const made = await instanceBeside(server, { now: () => clock.t, options: { consoleIdleSeconds: 1800 } });
    a = made.app;
    stores.push(made.store);
    const other = await instanceBeside(server, {
      now: () => clock.t,
      options: { consoleIdleSeconds: 1800 },
      wrap: (real) => ({ ...real, read: (fn) => (failing.reads ? Promise.reject(new StoreUnavailableError('SQLite is unavailable: disk I/O error')) : real.read(fn)) }),
    });
    b = other.app;
    stores.push(other.store);
  });
  after(async () => {
    for (const s of stores) await s.close().catch(() => {});
    await server?.stop();
  });

  /** A request of the sign-in to `app` whose signature verified (what an edge does): its code when refused. */
  async function use(app: App, ak: string, token: string): Promise<string | undefined> {
    const who = await app.authenticate(ak, token);
    if (!who.ok) return who.errors[0]?.code;
    app.signatureVerified(who.value.caller);
    return undefined;
  }

  async function noted(): Promise<string[]> {
    return (await stores[0]!.read((tx) => tx.kv.list('console-use/'))).map((e) => `${e.key}=${e.value}`);
  }

  /** Waits until the store's notes differ from `before` (a note written in the background). */
  async function notedOtherThan(before: string[]): Promise<void> {
    const deadline = Date.now() + 20_000;
    while ((await noted()).join() === before.join()) {
      assert.ok(Date.now() < deadline, 'the use was never noted in the store');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('used through a 11 minutes ago, last seen by b 31 minutes ago, b unable to read the note: 503, then taken', async () => {
    clock.t = Date.now();
    const start = clock.t;
    const admin = await a.authenticate(server.admin.accessKeyId);
    assert.ok(admin.ok);
    let before = await noted();
    const signedIn = a.sts.consoleSignIn(admin.value.caller);
    assert.ok(signedIn.ok, JSON.stringify(signedIn));
    const s = { ak: signedIn.value.accessKeyId, token: signedIn.value.sessionToken };
    await notedOtherThan(before);
    // b sees it in use at the start; a, 20 minutes on (and notes it).
    assert.equal(await use(b, s.ak, s.token), undefined);
    clock.t = start + 20 * MINUTE;
    before = await noted();
    assert.equal(await use(a, s.ak, s.token), undefined);
    await notedOtherThan(before);
    // 31 minutes on, b cannot read the store.
    clock.t = start + 31 * MINUTE;
    failing.reads = true;
    let code: string | undefined;
    try {
      code = await use(b, s.ak, s.token);
    } finally {
      failing.reads = false;
    }
    assert.equal(code, 'SERVICE_UNAVAILABLE', 'a sign-in used 11 minutes ago was not answered as a passing outage');
    // Nothing was ended: the sign-in is taken by both once b reads again.
    assert.equal(await use(b, s.ak, s.token), undefined);
    assert.equal(await use(a, s.ak, s.token), undefined);
  });
});
