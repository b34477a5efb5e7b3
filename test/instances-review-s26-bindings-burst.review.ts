/**
 * Stop 26 (patch from review ae, ae4's twin): the bindings engine skipped its reload when the changes since the last
 * one concern no binding, but read only one page of 1,000 changes: past that it reloaded every IAM policy, custom
 * role and workspace claim. A burst of scoped AssumeRoles (one record each) or job events between two refreshes did
 * that on every instance. Now it reads up to 50 pages before deciding. The real SQLite store.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { createBindings, IAM_POLICY_PREFIX } from '../src/app/bindings.ts';
import type { AppDeps } from '../src/app/deps.ts';
import type { Store } from '../src/app/ports/store.ts';

describe('the bindings engine reloads only when a change concerns it', () => {
  let dir: string;
  let store: Store;
  let bindings: ReturnType<typeof createBindings>;
  const put = (key: string, value: string) => store.write(async (tx) => void (await tx.kv.put(key, value)));

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-bindings-burst-'));
    store = await openSqliteStore({ dataDir: dir });
    bindings = createBindings({ store, now: () => Date.now() } as unknown as AppDeps);
    await bindings.refresh();
  });
  after(async () => {
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('1,500 scoped-session records between two refreshes: no reload', async () => {
    const version = bindings.version;
    await store.write(async (tx) => {
      for (let i = 0; i < 1_500; i += 1) await tx.kv.put(`scope/000000000000/r/s${i}`, '{}');
    });
    await bindings.refresh();
    assert.equal(bindings.version, version, 'the bindings were loaded again');
  });

  it('an IAM policy record among them: reloaded', async () => {
    const version = bindings.version;
    await put('scope/000000000000/r/x', '{}');
    await put(`${IAM_POLICY_PREFIX}account/000000000000`, JSON.stringify({ resource: 'account/000000000000', account: '000000000000', bindings: [], revision: 1 }));
    await bindings.refresh();
    assert.ok(bindings.version > version);
  });
});
