/**
 * Review fh, 1: two refreshes of one instance that overlap no longer put back the older one's state. An instance
 * refreshes on every change notification and after every write made through it (`afterWrite`), and these overlap
 * all the time on a busy deployment. The directory, the bindings and the Kubernetes RBAC queue their reloads one
 * after the other, but the step that brings the resource policies and the registry of scoped sessions up to the
 * change head did not: each refresh read them in a transaction of its own, and one that had read an older head and
 * finished last replaced what the later one had applied — the registry reloaded whole at that older head
 * (`head < this.head` was taken for a database restored), the resource policies too. A scoped session registered
 * through another instance in between (AssumeRole with a session policy) was then unknown to this instance until
 * something else changed or the safety-net poll came round: its change notification had been taken as applied. The
 * authorize API answered for that session's ARN with its role's whole rights, the fail-open the registry exists to
 * prevent (src/app/session-scopes.ts); a resource policy put meanwhile was likewise not enforced there. Now that
 * step runs one refresh at a time, in the order asked, as the other states' reloads do.
 *
 * Two apps on one PostgreSQL schema (the machine's, a throw-away schema). B's store holds the transaction of that
 * step of one refresh just after it has read the change head (its snapshot taken), while A issues a scoped session
 * and a user is created through B (whose own refresh runs meanwhile); then the held refresh goes on. Before the fix,
 * 1 of 1 tests failed (B answered Allow for the scoped session's ARN); after it, it passes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { createApp, type AppDeps } from '../src/app/index.ts';
import type { ReadTx, Store } from '../src/app/ports/store.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

const skip = await pgSkip();
const ROOT = '000000000000';

describe('two refreshes of one instance overlapping (review fh, 1)', { skip, timeout: 60_000 }, () => {
  it('the one that read an older head does not drop a scoped session the other applied', async () => {
    const schema = `gh_fh1_${randomBytes(6).toString('hex')}`;
    const masterKey = masterKeyFromBytes(randomBytes(32));
    const appOn = async () => {
      const store = await openPostgresStore({ url: PG_URL, schema, poolSize: 4 });
      const deps: AppDeps = { store, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKey), sessions: sessionCrypto };
      const app = createApp(deps, { audit: { enabled: false } });
      await app.start();
      return { app, store };
    };
    const a = await appOn();
    const creds = await a.app.bootstrap();
    assert.ok(creds);
    const b = await appOn();
    let release = (): void => undefined;
    try {
      const signedIn = await a.app.authenticate(creds.AccessKeyId);
      assert.ok(signedIn.ok);
      const admin = signedIn.value.caller;
      const d = a.app.directory;
      const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' }] });
      const s3All = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] });
      assert.ok((await d.createRole(admin, { roleName: 'reader', assumeRolePolicyDocument: trust })).ok);
      assert.ok((await d.putInlinePolicy(admin, 'role', { name: 'reader', policyName: 's3', policyDocument: s3All })).ok);
      await b.app.refresh();
      const onB = await b.app.authenticate(creds.AccessKeyId);
      assert.ok(onB.ok);
      const sessionArn = `arn:aws:sts::${ROOT}:assumed-role/reader/etl`;
      const decideOnB = async (): Promise<string> => {
        const r = await b.app.authorizer.authorize(onB.value.caller, { principal: sessionArn, action: 's3:GetObject', resource: 'arn:aws:s3:::other/x' });
        assert.ok(r.ok, JSON.stringify(r));
        return r.value.decision;
      };
      assert.equal(await decideOnB(), 'Allow', 'no scoped session yet: the role’s rights');

      // A change B has not applied, so that B's next refresh reads its resource policies and scoped sessions again.
      assert.ok((await d.createUser(admin, { userName: 'first' })).ok);
      // B's next refresh: its first read is the directory's; the second, the step beside it, is held once it has read
      // the change head (its snapshot is taken then), until released.
      let reached = (): void => undefined;
      const atHold = new Promise<void>((r) => (reached = r));
      const released = new Promise<void>((r) => (release = r));
      const bStore = b.app.deps.store;
      const originalRead = bStore.read.bind(bStore);
      let reads = 0;
      (bStore as { read: Store['read'] }).read = (fn, options) => {
        reads += 1;
        if (reads !== 2) return originalRead(fn, options);
        return originalRead(async (tx) => {
          let first = true;
          const held: ReadTx = {
            ...tx,
            changes: {
              ...tx.changes,
              head: async () => {
                const head = await tx.changes.head();
                if (first) {
                  first = false;
                  reached();
                  await released;
                }
                return head;
              },
            },
          };
          return fn(held);
        }, options);
      };
      const x = b.app.refresh();
      await atHold;
      (bStore as { read: Store['read'] }).read = originalRead;

      // Meanwhile: a scoped session issued through A (registered in the store), and a write through B (its refresh).
      const issued = await a.app.sts.assumeRole(admin, {
        roleArn: `arn:aws:iam::${ROOT}:role/reader`,
        roleSessionName: 'etl',
        policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*' }] }),
        policyArns: [],
        tags: [],
        transitiveTagKeys: [],
      });
      assert.ok(issued.ok, JSON.stringify(issued));
      const signedInB = await b.app.authenticate(creds.AccessKeyId);
      assert.ok(signedInB.ok);
      const y = b.app.directory.createUser(signedInB.value.caller, { userName: 'second' });
      await Promise.race([y, new Promise((r) => setTimeout(r, 1_000))]);
      release();
      await x;
      assert.ok((await y).ok);

      assert.equal(b.app.sessionScopes.live(ROOT, 'reader', 'etl').length, 1, 'B holds the scoped session');
      assert.equal(await decideOnB(), 'ImplicitDeny', 'the session’s policy narrows what its ARN may do on B, as on A');
    } finally {
      release();
      for (const x of [a, b]) {
        await x.app.audit.stop();
        await x.store.close();
      }
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
    }
  });
});
