/**
 * Review ig, finding 2: a job's role deleted and created again under its name while a session of it was being issued:
 * the fetches waiting on that issuance were handed the session it issued, which names the deleted role (by its id) and
 * is refused on every request (InvalidClientTokenId) — what review gp, 1 stopped the cache from serving, handed out
 * straight from the issuance. A session whose role is no longer the one the directory holds is not served: a session
 * of the role as it is now is issued (once).
 *
 * One App on the test server's SQLite store; the issuance's write of its `credentials-issued` event (made once the
 * session is issued, before the fetch is answered) is held until the test lets it go.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Abort, Store, WriteTx } from '../src/app/ports/store.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { instanceBeside } from './support/instances.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let store: Store | undefined;

const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] });

before(async () => {
  server = await startTestServer();
  assert.ok((await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/w', { members: [{ user: 'admin' }] })).status < 300);
});
after(async () => {
  await store?.close().catch(() => {});
  await server?.stop();
});

describe("a job whose role is made again while one of its sessions is being issued (review ig, 2)", () => {
  it('is not handed the session of the deleted role', async () => {
    // While armed, the issuance's write (of its event, called from jobs.ts `issueFor`) is held; other writes (the
    // role's, an audit flush) are not.
    let armed = false;
    let reached = (): void => {};
    const atWrite = new Promise<void>((resolve) => (reached = resolve));
    let letGo = (): void => {};
    const held = new Promise<void>((resolve) => (letGo = resolve));
    const gated = (raw: Store): Store =>
      Object.assign(Object.create(raw) as Store, {
        write: async <T>(fn: (tx: WriteTx, abort: Abort<T>) => Promise<T>): Promise<T> => {
          if (armed && (new Error().stack ?? '').includes('issueFor')) {
            armed = false;
            reached();
            await held;
          }
          return raw.write(fn);
        },
      });
    const made = await instanceBeside(server, { now: () => Date.now(), wrap: gated });
    store = made.store;
    const { app } = made;
    const signedIn = await app.authenticate(server.admin.accessKeyId);
    assert.ok(signedIn.ok, JSON.stringify(signedIn));
    const admin = signedIn.value.caller;
    assert.ok((await app.directory.createRole(admin, { roleName: 'trainer', assumeRolePolicyDocument: TRUST })).ok);
    const sub = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'w', role: `arn:aws:iam::${server.adminFile.AccountId}:role/trainer`, imds: false });
    assert.equal(sub.status, 201, JSON.stringify(sub.json));
    const { capability } = sub.json as { capability: string };
    // The job as this instance reads it now, so the fetch below starts issuing at once.
    assert.ok(await app.jobs.jobByCapability(capability));

    armed = true;
    const fetch = app.jobs.credentialsFor(capability);
    try {
      await Promise.race([atWrite, sleep(10_000).then(() => assert.fail('the issuance made no write'))]);
      // The session is issued, of the role as it was, and not yet handed out: the role is deleted and made again.
      assert.ok((await app.directory.deleteRole(admin, { roleName: 'trainer' })).ok);
      assert.ok((await app.directory.createRole(admin, { roleName: 'trainer', assumeRolePolicyDocument: TRUST })).ok);
    } finally {
      armed = false;
      letGo();
    }
    const answer = await Promise.race([fetch, sleep(10_000).then(() => 'waited' as const)]);
    assert.notEqual(answer, 'waited');
    assert.ok(answer !== 'waited' && answer.ok, JSON.stringify(answer));
    const c = answer.value.credentials;
    const used = await app.authenticate(c.accessKeyId, c.sessionToken);
    assert.ok(used.ok, `handed a session of the deleted role (${c.accessKeyId}): ${JSON.stringify(used)}`);
  });
});
