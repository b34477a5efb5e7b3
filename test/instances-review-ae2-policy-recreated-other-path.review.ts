/**
 * Review ae, 2: a managed policy deleted and created again under the same name at another path is gone under its old
 * ARN on every running instance, as on one that loads the directory whole. The change log names a managed policy by
 * `<account>/<name>`, its ARN by its path too; a refresh that found both changes in one run read the new policy under
 * the key and left the old ARN's compiled document in memory for good. A session whose `PolicyArns` names the old
 * ARN (a managed session policy, which should allow nothing once deleted, review O) was then narrowed by the deleted
 * document on the instances that were running, and by nothing-allowed on one restarted: two answers for one session.
 * Found by a differential run (random directory writes, each instance's incremental state compared with a fresh load).
 *
 * Two LiveStates on one PostgreSQL schema (the machine's, a throw-away schema).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import type { AppDeps } from '../src/app/index.ts';
import { LiveState } from '../src/app/live.ts';
import type { Store } from '../src/app/ports/store.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

const skip = await pgSkip();

describe('a managed policy deleted and created again at another path (review ae, 2)', { skip, timeout: 30_000 }, () => {
  it('is gone under its old ARN on a running instance, as on a restarted one', async () => {
    const schema = `gh_ae2_${randomBytes(6).toString('hex')}`;
    const store = await openPostgresStore({ url: PG_URL, schema, poolSize: 3 });
    const masterKey = masterKeyFromBytes(randomBytes(32));
    const deps = (s: Store): AppDeps => ({ store: s, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKey), sessions: sessionCrypto });
    const account = '111111111111';
    const created = new Date().toISOString();
    const arnAt = (path: string) => `arn:aws:iam::${account}:policy${path}Narrow`;
    const doc = (sid: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: sid, Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
    const create = (path: string, sid: string) =>
      store.write(async (tx) => {
        const r = await tx.policies.create({ account, name: 'Narrow', path, id: `ANPA${randomBytes(8).toString('hex').toUpperCase()}`, arn: arnAt(path), description: '', created, document: doc(sid) });
        assert.ok(r.ok);
      });
    try {
      await store.write(async (tx) => {
        assert.ok((await tx.accounts.create({ id: account, partition: 'aws', name: 'a', created })).ok);
      });
      await create('/old/', 'Old');
      const running = new LiveState(deps(store));
      await running.init();
      assert.ok(running.managedPolicy(arnAt('/old/')));

      // Both changes reach the running instance in one refresh (a burst, or a notification coalesced).
      await store.write(async (tx) => {
        assert.ok((await tx.policies.delete(arnAt('/old/'))).ok);
      });
      await create('/new/', 'New');
      await running.refresh();

      const restarted = new LiveState(deps(store));
      await restarted.init();
      assert.equal(restarted.managedPolicy(arnAt('/old/')), undefined);
      assert.equal(running.managedPolicy(arnAt('/new/'))?.statements[0]?.sid, 'New');
      assert.equal(running.managedPolicy(arnAt('/old/')), undefined, 'the deleted policy is still enforced under its old ARN on the running instance');
    } finally {
      await store.close();
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
    }
  });
});
