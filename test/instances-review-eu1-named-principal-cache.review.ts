/**
 * Review eu, 1: the authorize API's cache of principals named by ARN kept a principal as it was before a change made
 * through another instance, for as long as nothing else changed. The cache (src/app/authorize.ts, `resolved`) was keyed
 * on the resource policies' version alone, which moves when *their* reload reads a new change head; but an instance's
 * refresh reads the directory and the resource policies in two transactions, one after the other. A change committed
 * through A between the two was seen by the second (its version moved) and not by the first: a question about the
 * principal asked on B then was answered from the directory as it was before the change, and cached under the new
 * version. B's next refresh applied the change to the directory, but the resource policies were already at that head,
 * their version did not move, and the stale entry stayed: B went on allowing what A now denied (until any other change
 * anywhere). A real server under steady questions meets this whenever a write through another instance lands in the
 * milliseconds between B's two reads (two writes in a row through A: the second during B's refresh for the first).
 *
 * The cache now keys on the directory's change head too. Before the fix, 1 of 1 tests failed (B answered Allow after
 * its refresh had applied the deny); after it, it passes.
 *
 * Two apps on one PostgreSQL schema (the machine's, a throw-away schema); B's store runs A's write right after the
 * first read transaction of B's refresh, which is the interleaving above made certain.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { createApp, type AppDeps } from '../src/app/index.ts';
import type { Store } from '../src/app/ports/store.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

const skip = await pgSkip();

describe('a principal named by ARN in the authorize API, changed through another instance during a refresh (review eu, 1)', { skip, timeout: 60_000 }, () => {
  it('is answered as the directory now says once the refresh that applied the change has run', async () => {
    const schema = `eu1_${randomBytes(6).toString('hex')}`;
    const masterKey = masterKeyFromBytes(randomBytes(32));
    /** Run once after the next read transaction of B's store ends. */
    let afterNextRead: (() => Promise<void>) | undefined;
    const appOn = async (hooked: boolean) => {
      const raw = await openPostgresStore({ url: PG_URL, schema, poolSize: 3 });
      const store: Store = hooked
        ? new Proxy(raw, {
            get(target, prop, receiver) {
              if (prop !== 'read') return Reflect.get(target, prop, receiver);
              return async (...args: Parameters<Store['read']>) => {
                const out = await target.read(...args);
                const hook = afterNextRead;
                afterNextRead = undefined;
                if (hook) await hook();
                return out;
              };
            },
          })
        : raw;
      const deps: AppDeps = { store, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKey), sessions: sessionCrypto };
      const app = createApp(deps, { audit: { enabled: false } });
      await app.start();
      return { app, store: raw };
    };
    const a = await appOn(false);
    const creds = await a.app.bootstrap();
    assert.ok(creds);
    const b = await appOn(true);
    try {
      const onA = await a.app.authenticate(creds.AccessKeyId);
      const onB = await b.app.authenticate(creds.AccessKeyId);
      assert.ok(onA.ok && onB.ok);
      const d = a.app.directory;
      const doc = (effect: 'Allow' | 'Deny') => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: effect, Action: 's3:GetObject', Resource: '*' }] });
      assert.ok((await d.createUser(onA.value.caller, { userName: 'bob' })).ok);
      assert.ok((await d.putInlinePolicy(onA.value.caller, 'user', { name: 'bob', policyName: 'read', policyDocument: doc('Allow') })).ok);
      await b.app.refresh();
      const question = { principal: 'arn:aws:iam::000000000000:user/bob', action: 's3:GetObject', resource: 'arn:aws:s3:::data/x' };
      const decide = async (on: typeof a, caller: typeof onA.value.caller): Promise<string> => {
        const r = await on.app.authorizer.authorize(caller, question);
        assert.ok(r.ok, JSON.stringify(r));
        return r.value.decision;
      };
      assert.equal(await decide(b, onB.value.caller), 'Allow', 'B before the change');
      // A denies bob while B refreshes: after B's directory read, before its resource policies' read.
      let denied = false;
      afterNextRead = async () => {
        assert.ok((await d.putInlinePolicy(onA.value.caller, 'user', { name: 'bob', policyName: 'deny', policyDocument: doc('Deny') })).ok);
        denied = true;
      };
      await b.app.refresh();
      assert.ok(denied, 'the deny was written during B’s refresh');
      assert.equal(await decide(a, onA.value.caller), 'ExplicitDeny', 'A, which wrote the deny');
      // Asked on B now (it has not applied the deny yet: within the bound), then B's next refresh applies it.
      await decide(b, onB.value.caller);
      await b.app.refresh();
      assert.equal(b.app.live.head, a.app.live.head, 'B has applied every change');
      assert.equal(await decide(b, onB.value.caller), 'ExplicitDeny', 'B after the refresh that applied the deny');
    } finally {
      for (const x of [a, b]) {
        await x.app.audit.stop();
        await x.store.close();
      }
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
    }
  });
});
