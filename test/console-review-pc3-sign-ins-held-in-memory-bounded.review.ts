/**
 * Review pc, 3: every console sign-in opened was held in the server's memory for an hour or more, however many.
 *
 * `POST /v1/console/sign-in` asks no permission: any access key or session may open one (a training job's own role
 * session among them, which every process of every job holds). Each instance keeps the last use of every sign-in it sees
 * in a map (src/app/sts.ts `consoleUse`), swept of the idle ones once an hour: nothing else bounded it, so a caller
 * opening sign-ins in a loop grew the server's memory by one entry a request for an hour and more (hundreds of
 * megabytes at the rate one core issues them), where every other such table of the server is bounded (the signature
 * nonces, the key cache, the scoped sessions: STYLE.md habit 10, "size limits first"). The contract of the map itself
 * (docs/decisions.md, "A console sign-in idle past its limit is refused on the server"): the store's note of a sign-in's
 * last use is what any instance that does not hold it reads, so an instance need not hold every sign-in.
 *
 * What is now so: an instance holds at most `maxConsoleUsesHeld` sign-ins (100,000 by default); past that the idle ones
 * go, then the longest held, and a sign-in no longer held is decided from its note in the store, as on an instance that
 * never saw it (review mp, 3: its last use counted as late as it may have been), so none in use is refused.
 *
 * One app instance on the test server's store (test/support/instances.ts) holding at most 10, its clock moved by the
 * test; the store's reads of sign-ins' notes are counted.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { App } from '../src/app/index.ts';
import type { ReadTx, Store } from '../src/app/ports/store.ts';
import { instanceBeside } from './support/instances.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const PREFIX = 'console-use/';
const HELD = 10;
const OPENED = 25;

describe('console review pc3: an instance holds a bounded number of console sign-ins in memory', () => {
  let server: TestServer;
  const clock = { t: Date.now() };
  let app: App;
  let store: Store;
  let noteReads = 0;
  before(async () => {
    server = await startTestServer();
    // Every read of a sign-in's note in the store is counted.
    const counting = (raw: Store): Store =>
      Object.assign(Object.create(raw) as Store, {
        read: <T>(fn: (tx: ReadTx) => Promise<T>, o?: Parameters<Store['read']>[1]): Promise<T> =>
          raw.read((tx) => {
            const kv = Object.assign(Object.create(tx.kv) as ReadTx['kv'], {
              get: (key: string) => {
                if (key.startsWith(PREFIX)) noteReads++;
                return tx.kv.get(key);
              },
            });
            return fn(Object.assign(Object.create(tx) as ReadTx, { kv }));
          }, o),
      });
    const made = await instanceBeside(server, { now: () => clock.t, wrap: counting, options: { consoleIdleSeconds: 1800, maxConsoleUsesHeld: HELD } });
    app = made.app;
    store = made.store;
  });
  after(async () => {
    await store?.close().catch(() => {});
    await server?.stop();
  });

  it(`${OPENED} sign-ins opened, at most ${HELD} held: the others are read from the store, and none is refused`, async () => {
    const start = clock.t;
    const admin = await app.authenticate(server.admin.accessKeyId);
    assert.ok(admin.ok);
    const before = new Set((await store.read((tx) => tx.kv.list(PREFIX))).map((e) => e.key));
    const opened: { ak: string; token: string }[] = [];
    for (let i = 0; i < OPENED; i++) {
      const s = app.sts.consoleSignIn(admin.value.caller);
      assert.ok(s.ok, JSON.stringify(s));
      opened.push({ ak: s.value.accessKeyId, token: s.value.sessionToken });
    }
    // Their notes are written in the background: waited for.
    const deadline = Date.now() + 20_000;
    while ((await store.read((tx) => tx.kv.list(PREFIX))).filter((e) => !before.has(e.key)).length < OPENED) {
      assert.ok(Date.now() < deadline, 'the sign-ins were never all noted in the store');
      await new Promise((r) => setTimeout(r, 20));
    }

    // A minute later each is used once, as an edge does: authenticated, then its signature verified.
    clock.t = start + 60_000;
    noteReads = 0;
    for (const [i, s] of opened.entries()) {
      const who = await app.authenticate(s.ak, s.token);
      assert.ok(who.ok, `sign-in ${i} refused a minute after it opened: ${JSON.stringify(who)}`);
      app.signatureVerified(who.value.caller);
    }
    assert.ok(noteReads >= OPENED - HELD, `only ${noteReads} of the ${OPENED} sign-ins were read from the store: the instance held more than ${HELD} in memory`);
  });
});
