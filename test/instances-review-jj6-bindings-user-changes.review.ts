/**
 * Review jj, 6: a user created, tagged, or disabled through any instance does not make every instance
 * read and compile every IAM policy (GCP-style bindings) again. The bindings engine reloads its whole snapshot when a
 * change may touch it, and counted every change of a user as one: but what it holds of users is only who is in the
 * groups its bindings name, keyed by the user's name, which a user changes only by a rename (logged as the old name's
 * delete and the new one's put; a user is deleted only once out of every group, which logs each membership's removal).
 * An onboarding script creating 200 users cost every instance 200 reloads of every IAM policy and of the members of
 * every group they name. Now a user's change counts when it removes a name; a rename still reloads.
 *
 * The bindings engine on the real SQLite store, its reads counted by a wrapper around its read transaction.
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { createBindings, IAM_POLICY_PREFIX } from '../src/app/bindings.ts';
import type { AppDeps } from '../src/app/deps.ts';
import type { ReadTx, Store } from '../src/app/ports/store.ts';

const ACCOUNT = '111111111111';

describe('user changes and the bindings snapshot (review jj, 6)', () => {
  let dir = '';
  let store: Store;
  let real: Store;
  /** Full loads of the snapshot (its listing of every IAM policy). */
  let loads = 0;
  let bindings: ReturnType<typeof createBindings>;
  const created = new Date().toISOString();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-jj6-'));
    real = await openSqliteStore({ dataDir: dir });
    const counted = (tx: ReadTx): ReadTx => ({
      ...tx,
      kv: {
        ...tx.kv,
        list: (prefix, page) => {
          if (prefix === IAM_POLICY_PREFIX) loads += 1;
          return tx.kv.list(prefix, page);
        },
      },
    });
    store = { ...real, read: (fn, o) => real.read((tx) => fn(counted(tx)), o), close: () => real.close() } as Store;
    await real.write(async (tx) => {
      assert.ok((await tx.accounts.create({ id: ACCOUNT, partition: 'aws', name: 'a', created })).ok);
    });
    const deps: AppDeps = { store, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKeyFromBytes(randomBytes(32))), sessions: sessionCrypto };
    bindings = createBindings(deps);
    await bindings.refresh();
  });
  after(async () => {
    await real?.close();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('users created, tagged and disabled: no reload', async () => {
    loads = 0;
    await real.write(async (tx) => {
      for (let i = 0; i < 20; i++) assert.ok((await tx.users.create({ account: ACCOUNT, name: `u${i}`, path: '/', id: `AIDA${i}`, created, tags: [], permissionsBoundary: null, disabled: false })).ok);
    });
    await bindings.refresh();
    await real.write(async (tx) => {
      assert.ok((await tx.users.update(ACCOUNT, 'u1', { tags: [{ key: 'team', value: 'vision' }], disabled: true })).ok);
    });
    await bindings.refresh();
    assert.equal(loads, 0, `the bindings snapshot was loaded again ${loads} time(s) for user changes that touch nothing it holds`);
  });

  it('a user renamed: reloaded (the groups bindings name are held by member name)', async () => {
    loads = 0;
    await real.write(async (tx) => {
      assert.ok((await tx.users.update(ACCOUNT, 'u2', { name: 'renamed' })).ok);
    });
    await bindings.refresh();
    assert.equal(loads, 1);
  });
});
