/**
 * Review nb, 3: a default-role job's session policy was built from the workspace as read before the job's write, so a default bucket changed in between was not the one the job reached.
 *
 * A default-role job's sessions reach its workspace's default bucket (and the submitter's tables) through the session
 * policy stored with the job at submit. That policy was built in a read of its own, from the workspace as the checks
 * had read it, before the write that stores the job. An admin who moved the workspace's default bucket (to stop its
 * jobs reaching the old one) while a job was being submitted saw the change committed, and the job then stored with a
 * session policy granting `s3:*` on the old bucket for its whole life, and none on the new one. Now the session policy
 * is built in the job's own write from the workspace as stored then.
 *
 * A real server (SQLite) and a second App on its store whose next write first changes the workspace through the
 * server's admin API, as another request would land between the submission's read and its write; the stored job read
 * back from the store.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createApp, type App } from '../src/app/index.ts';
import type { Store } from '../src/app/ports/store.ts';
import { auditChainKey, chainDigest, loadMasterKey, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let app: App;
let raw: Store;
/** Run before the next write of the second App reaches its store, once. */
let beforeNextWrite: (() => Promise<void>) | undefined;

before(async () => {
  server = await startTestServer();
  const key = await loadMasterKey({ dataDir: server.dataDir, env: {} });
  if (!key.ok) throw new Error(key.error.message);
  raw = await openSqliteStore({ dataDir: server.dataDir });
  const store: Store = {
    get dialect() {
      return raw.dialect;
    },
    get migrations() {
      return raw.migrations;
    },
    read: (fn, options) => raw.read(fn, options),
    write: async (fn, options) => {
      const hook = beforeNextWrite;
      beforeNextWrite = undefined;
      await hook?.();
      return raw.write(fn, options);
    },
    close: () => raw.close(),
  };
  app = createApp({ store, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(key.value.masterKey), sessions: sessionCrypto, chainDigest: chainDigest(auditChainKey(key.value.masterKey)) });
  await app.start();
});
after(async () => {
  await raw?.close();
  await server?.stop();
});

async function adminCaller() {
  const who = await app.authenticate(server.admin.accessKeyId);
  assert.ok(who.ok, JSON.stringify(who));
  return who.value.caller;
}

test('nb3: a default-role job stored after its workspace\'s default bucket changed reaches the new bucket, not the old', async () => {
  const put = (bucket: string) => gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/data', { members: [{ user: 'admin' }], defaultBucket: `arn:aws:s3:::${bucket}` });
  const first = await put('nb3-old-bucket');
  assert.equal(first.status, 200, JSON.stringify(first.json));
  const who = await app.authenticate(server.admin.accessKeyId);
  assert.ok(who.ok, JSON.stringify(who));
  let moved = 0;
  beforeNextWrite = async () => {
    moved = (await put('nb3-new-bucket')).status;
  };
  const r = await app.jobs.submit(who.value.caller, { workspace: 'data', role: 'default' });
  assert.equal(moved, 200, 'the default bucket was moved in between');
  assert.ok(r.ok, JSON.stringify(r));
  const stored = await raw.read((tx) => tx.kv.get(`job/${r.value.job.id}`));
  const policy = String((JSON.parse(stored ?? '{}') as { sessionPolicy?: string }).sessionPolicy);
  assert.match(policy, /nb3-new-bucket/, policy);
  assert.doesNotMatch(policy, /nb3-old-bucket/, policy);
});
