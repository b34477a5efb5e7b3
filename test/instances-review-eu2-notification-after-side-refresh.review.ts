/**
 * Review eu, 2: a change notification was dropped when the directory alone had already been brought to its head. The
 * change follower ignores a notification at or below the head it is told the instance has applied, and the server told
 * it the live directory's (`app.live.head`). But the directory is also refreshed alone, outside the instance's refresh:
 * a request signed with an access key it does not hold, a principal, role or session policy it does not hold (each
 * reads the change log once before counting it as unknown: any client can send those). Such a refresh moves the
 * directory's head and nothing else: the resource policies, the GCP-style bindings, the Kubernetes RBAC and the
 * registry of scoped sessions stay where they were. The notification of that change, arriving after it, was then
 * ignored as already applied, and what it changed there was enforced only at the next poll (a second by default;
 * never within the bound when the poll is set longer, as `GATEHOUSE_CHANGE_POLL_MS` allows and
 * test/multi-instance.part.ts does to show that notifications alone meet the bound).
 *
 * Now the follower is told the head up to which the instance's whole refresh has run. Before the fix, 1 of 1 tests
 * failed (B never allowed what A's binding granted, within 3 s); after it, it passes.
 *
 * Two servers in this process on one PostgreSQL schema (the machine's, a throw-away schema), polling every 30 s, so
 * that only the notification can carry the change in time. B reaches PostgreSQL through a proxy that, once B listens,
 * holds back what PostgreSQL sends on B's listening connection by 400 ms (a slow path), so that B's refresh of the
 * directory alone (a request with an access key no one holds) surely comes before the notification.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';
import { postgresProxy } from './support/pg-proxy.ts';

const skip = await pgSkip();
const ROOT = '000000000000';
const cleanup: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
});

/** A proxy to the test PostgreSQL that delays, by `delayMs`, what PostgreSQL sends on a listening connection. */
async function slowListenProxy(delayMs: number): Promise<{ url: string; slow(on: boolean): void; close(): void }> {
  let slow = false;
  const proxy = await postgresProxy((client, upstream) => {
    let listening = false;
    let first = true;
    client.on('data', (b: Buffer) => {
      // The startup message names the connection (`application_name = gatehouse-listen-<host>-<pid>`).
      if (first && b.toString('latin1').includes('gatehouse-listen')) listening = true;
      first = false;
      upstream.write(b);
    });
    upstream.on('data', (b: Buffer) => {
      if (listening && slow) setTimeout(() => client.destroyed || client.write(b), delayMs);
      else client.write(b);
    });
  });
  return {
    ...proxy,
    slow(on) {
      slow = on;
    },
  };
}

async function until(what: string, cond: () => Promise<boolean> | boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('a change whose notification arrives after the directory alone was refreshed to it (review eu, 2)', { skip, timeout: 60_000 }, () => {
  it('is enforced by the other instance within the bound, bindings included', async () => {
    const schema = `eu2_${randomBytes(6).toString('hex')}`;
    cleanup.push(() => pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)));
    const env = { GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64'), GATEHOUSE_CHANGE_POLL_MS: '30000' };
    const proxy = await slowListenProxy(400);
    cleanup.push(async () => proxy.close());
    const start = async (name: string, databaseUrl: string): Promise<RunningServer> => {
      const dataDir = await mkdtemp(join(tmpdir(), `gh-eu2-${name}-`));
      cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
      const s = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env, databaseUrl, databaseSchema: schema, log: () => undefined });
      cleanup.push(() => s.stop());
      return s;
    };
    const a = await start('a', PG_URL);
    const b = await start('b', proxy.url);
    const admin = a.adminCredentials?.AccessKeyId ?? '';
    const onA = await a.app.authenticate(admin);
    assert.ok(onA.ok);
    const d = a.app.directory;
    assert.ok((await d.createUser(onA.value.caller, { userName: 'bob' })).ok);
    await until('B has heard of bob', () => b.app.live.principals.has(`user:${ROOT}/bob`), 5_000);
    // From here on, B hears of every change 400 ms after its commit.
    proxy.slow(true);
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' }] });
    assert.ok((await d.createRole(onA.value.caller, { roleName: 'trainer', assumeRolePolicyDocument: trust })).ok);
    const role = `arn:aws:iam::${ROOT}:role/trainer`;
    const question = { principal: `arn:aws:iam::${ROOT}:user/bob`, action: 'iam:PassRole', resource: role, context: { 'iam:PassedToService': 'training.gatehouse.dev' } };
    const onB = await b.app.authenticate(admin);
    assert.ok(onB.ok);
    const decisionOnB = async (): Promise<string> => {
      const r = await b.app.authorizer.authorize(onB.value.caller, question);
      assert.ok(r.ok, JSON.stringify(r));
      return r.value.decision;
    };
    await until('B has heard of the role, through its (slow) notification', () => b.app.live.principals.has(`role:${ROOT}/trainer`), 5_000);
    assert.equal(await decisionOnB(), 'ImplicitDeny', 'no binding yet');

    // A binding through A lets bob pass the role; B, before the (slow) notification arrives, is asked with a key no
    // one holds, which reads the change log up to now into the directory.
    const set = await a.app.bindings.setPolicy(onA.value.caller, { resource: role, bindings: [{ role: 'roles/iam.serviceAccountUser', members: ['user:bob'] }] });
    assert.ok(set.ok, JSON.stringify(set));
    const unknown = await b.app.authenticate(`AKIA${randomBytes(8).toString('hex').toUpperCase()}`);
    assert.equal(unknown.ok, false);
    assert.equal(b.app.live.head, a.app.live.head, 'B’s directory read the change log up to A’s binding');
    const onAnow = await a.app.authorizer.authorize(onA.value.caller, question);
    assert.equal(onAnow.ok && onAnow.value.decision, 'Allow', 'A, which wrote the binding');
    // The notification comes 400 ms after the commit; the bound is a second.
    await until('B allows what A’s binding grants', async () => (await decisionOnB()) === 'Allow', 3_000);
  });
});
