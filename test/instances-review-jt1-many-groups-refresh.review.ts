/**
 * Review jt, 1 (a second review of the same area, letters jt): an instance picking up a run of changes that named many groups (an apply or a Terraform run creating
 * a few hundred) walked every principal it held once per group, in one turn of the event loop (src/app/live.ts
 * `applyChanges`): 1,000 groups created next to 20,000 users held every instance's event loop for 2.3 s (decisions,
 * session checks and probes all waiting), four times what loading the whole directory again costs, which yields as it
 * goes. The incremental path is taken because it is meant to be the cheaper one (SCOPE_MAX). Now each step walks the
 * held principals once for the whole run: 16 ms for the same change.
 *
 * Two apps on one SQLite data dir: A writes, B picks the change up; the walks of B's held principals are counted (the
 * time they take depends on the host). Before the fix 1 of 2 tests failed (900 new groups next to 3,000 users: 900
 * walks of them all).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { createApp, type App, type AppDeps } from '../src/app/index.ts';
import { userKey } from '../src/app/live.ts';
import type { GroupRecord, Store, UserRecord } from '../src/app/ports/store.ts';

const ACCOUNT = '000000000000';
const USERS = 3_000;
/** Fewer than SCOPE_MAX (1,000) entries named, with the member and the policy: the incremental path, not a full load. */
const GROUPS = 900;

describe('picking up a run of changes naming many groups (review jt, 1)', () => {
  let dir = '';
  const opened: { app: App; store: Store }[] = [];
  let a: App;
  let b: App;
  let aStore: Store;
  const masterKey = masterKeyFromBytes(randomBytes(32));
  const open = async (): Promise<{ app: App; store: Store }> => {
    const store = await openSqliteStore({ dataDir: dir });
    const deps: AppDeps = { store, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKey), sessions: sessionCrypto };
    const x = { app: createApp(deps, { audit: { enabled: false } }), store };
    opened.push(x);
    await x.app.start();
    return x;
  };
  const created = new Date().toISOString();
  const user = (i: number): UserRecord => ({ account: ACCOUNT, name: `u${i}`, path: '/', id: `AIDA${String(i).padStart(17, '0')}`, created, tags: [], permissionsBoundary: null, disabled: false });
  const group = (j: number): GroupRecord => ({ account: ACCOUNT, name: `g${j}`, path: '/', id: `AGPA${String(j).padStart(17, '0')}`, created });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-jt1-'));
    ({ app: a, store: aStore } = await open());
    assert.ok(await a.bootstrap(), 'the root account and its admin');
    await aStore.write(async (tx) => {
      for (let i = 0; i < USERS; i++) assert.ok((await tx.users.create(user(i))).ok);
    });
    ({ app: b } = await open());
    assert.equal(b.live.principals.size, USERS + 1);
  });
  after(async () => {
    for (const x of opened) await x.store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('walks the principals it holds once for the run, not once per group, and applies what changed', async () => {
    // One write creating 900 groups, the first with a member and a policy (as an apply of them does in one go).
    await aStore.write(async (tx) => {
      for (let j = 0; j < GROUPS; j++) assert.ok((await tx.groups.create(group(j))).ok);
      assert.ok((await tx.groups.addMember(ACCOUNT, 'g0', 'u7')).ok);
      assert.ok((await tx.inlinePolicies.put({ type: 'group', account: ACCOUNT, name: 'g0' }, 'p', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }))).ok);
    });
    // Every walk of B's held principals (the compiled directory's sources), counted.
    const held = (b.live as unknown as { mirror: { sources: Map<string, unknown> } }).mirror.sources;
    let walks = 0;
    for (const method of ['entries', 'keys', 'values', Symbol.iterator] as const) {
      const own = held[method].bind(held) as () => IterableIterator<unknown>;
      Object.defineProperty(held, method, { configurable: true, value: () => (walks++, own()) });
    }
    const headBefore = b.live.head;
    const t = performance.now();
    await b.live.refresh();
    const took = performance.now() - t;
    for (const method of ['entries', 'keys', 'values', Symbol.iterator] as const) delete (held as unknown as Record<PropertyKey, unknown>)[method];
    assert.ok(b.live.head > headBefore, 'B picked the change up');
    assert.ok(walks >= 1, 'the change was applied in place (not by loading everything again)');
    assert.ok(walks <= 5, `picking up ${GROUPS} new groups next to ${USERS} users walked them all ${walks} times (${took.toFixed(0)} ms in one turn of the event loop)`);
    assert.equal(b.live.principals.get(userKey(ACCOUNT, 'u7'))?.policies.identity.length, 1, "the new group's policy reaches its member on B");
    assert.equal(b.live.principals.get(userKey(ACCOUNT, 'u8'))?.policies.identity.length, 0);
  });

  it('a user read again with the groups changed keeps its membership (both changed in one run)', async () => {
    await aStore.write(async (tx) => {
      assert.ok((await tx.groups.addMember(ACCOUNT, 'g1', 'u7')).ok);
      assert.ok((await tx.groups.removeMember(ACCOUNT, 'g0', 'u7')).ok);
      assert.ok((await tx.groups.create({ ...group(GROUPS), name: 'fresh' })).ok);
      assert.ok((await tx.groups.addMember(ACCOUNT, 'fresh', 'u9')).ok);
    });
    await b.live.refresh();
    const fresh = await open();
    for (const name of ['u7', 'u9', 'u8']) {
      const key = userKey(ACCOUNT, name);
      assert.deepEqual(b.live.principals.get(key)?.policies, fresh.app.live.principals.get(key)?.policies, `${name} on B as a full load sees it`);
    }
  });
});
