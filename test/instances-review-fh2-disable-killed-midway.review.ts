/**
 * Review fh, 2: an instance killed in the middle of `users disable` leaves the user disabled with its sessions revoked,
 * or neither. Disabling was three transactions (src/app/revocation.ts `disableUser`): the directory's UpdateUser, then
 * the revocation entry by name, then the one by unique id. An instance killed (or its database lost) after the first
 * left a user disabled whose GetSessionToken and GetFederationToken sessions were not revoked: nothing showed it (the
 * user reads disabled, and its sessions are refused while it is), but enabling the user later, through any instance,
 * gave back every session issued before the disable, where "sessions revoked when it was disabled stay revoked"
 * (README, src/app/revocation.ts). The issue: "an instance killed mid-write loses nothing committed and leaves nothing
 * half-written". Now the revocation entries are written in the disabling's own transaction.
 *
 * Two `gatehouse server` processes on one PostgreSQL schema (the machine's, a throw-away schema). An outside session
 * holds, uncommitted, the row of the user's revocation entry, so that A's write of it waits; A is then SIGKILLed and the
 * outside session rolled back. Before the fix, 1 of 1 tests failed (the user disabled, no revocation entry written);
 * after it, it passes (nothing of the disabling committed; made again through B, it holds).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';
import { twoPgInstances } from './support/pg-instances.ts';
import { settled, SETTLE_MS } from './support/settle.ts';

const skip = await pgSkip();
const ROOT = '000000000000';
const REGION = 'us-east-1';
const cleanup: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
});

interface Creds {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

describe('an instance killed in the middle of disabling a user (review fh, 2)', { skip, timeout: 300_000 }, () => {
  it('leaves the user disabled with its sessions revoked, or neither', async () => {
    const { a, b, admin, schema } = await twoPgInstances('fh2', cleanup);
    const clients: { destroy(): void }[] = [];
    cleanup.push(async () => clients.forEach((c) => c.destroy()));
    const config = (url: string, credentials: Creds) => ({ endpoint: url, region: REGION, credentials, maxAttempts: 1 });
    const iam = new I.IAMClient(config(a.url, admin));
    clients.push(iam);
    const v1 = (url: string, method: string, segments: string[]) => call({ endpoint: new URL(url), credentials: admin, region: REGION, credentialsSource: 'test' }, method, segments);

    await iam.send(new I.CreateUserCommand({ UserName: 'bob' }));
    const key = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'bob' }));
    const bob: Creds = { accessKeyId: key.AccessKey?.AccessKeyId ?? '', secretAccessKey: key.AccessKey?.SecretAccessKey ?? '' };
    const stsA = new S.STSClient(config(a.url, bob));
    clients.push(stsA);
    const t = await stsA.send(new S.GetSessionTokenCommand({}));
    const session: Creds = { accessKeyId: t.Credentials?.AccessKeyId ?? '', secretAccessKey: t.Credentials?.SecretAccessKey ?? '', sessionToken: t.Credentials?.SessionToken ?? '' };
    const whoOnB = async (): Promise<string> => {
      const c = new S.STSClient(config(b.url, session));
      try {
        return (await c.send(new S.GetCallerIdentityCommand({}))).Arn ?? '';
      } catch (e) {
        return (e as Error).name;
      } finally {
        c.destroy();
      }
    };
    assert.equal(await whoOnB(), `arn:aws:iam::${ROOT}:user/bob`);

    // An outside session holds the row of bob's revocation entry (by name), uncommitted: A's write of it waits.
    const entry = `revoke/user/${ROOT}/bob`;
    const blocker = new pg.Client({ connectionString: PG_URL });
    await blocker.connect();
    cleanup.push(() => blocker.end());
    await blocker.query('BEGIN');
    await blocker.query(`INSERT INTO ${schema}.kv (kv_key, kv_value, updated) VALUES ($1, '0', '2026-01-01T00:00:00.000Z')`, [entry]);
    const blockerPid = (await blocker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;

    const disabling = v1(a.url, 'POST', ['users', 'bob', 'disable']).catch((e: unknown) => e);
    // A's backend waiting on the outside session: waited for (test/support/settle.ts), generously on a loaded host.
    const waiting = await settled(async () => (await pgAdmin((c) => c.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [blockerPid]))).rows.map((r) => r.pid), (pids) => pids.length > 0, SETTLE_MS, 25);
    assert.ok(waiting.length > 0, 'A never waited on the revocation entry');
    // Killed mid-write; the outside session goes away.
    const exited = new Promise((r) => a.child.once('exit', r));
    a.child.kill('SIGKILL');
    await exited;
    await disabling;
    await blocker.query('ROLLBACK');
    // The killed instance's backend, let go, finds its client gone and rolls back what it had not committed: waited for
    // as its end (gone from pg_stat_activity), not for a fixed time.
    const left = await settled(async () => (await pgAdmin((c) => c.query('SELECT pid FROM pg_stat_activity WHERE pid = ANY($1::int[])', [waiting]))).rows.length, (n) => n === 0);
    assert.equal(left, 0, `the killed instance's backend (pid ${waiting.join(', ')}) ended`);

    const disabled = (await pgAdmin((c) => c.query<{ disabled: number }>(`SELECT disabled FROM ${schema}.users WHERE name = 'bob'`))).rows[0]?.disabled === 1;
    const entries = (await pgAdmin((c) => c.query<{ kv_key: string }>(`SELECT kv_key FROM ${schema}.kv WHERE kv_key LIKE 'revoke/user/%'`))).rows.map((r) => r.kv_key);
    assert.equal(entries.length === 2, disabled, `nothing half-written: disabled ${disabled}, revocation entries ${JSON.stringify(entries)}`);
    if (disabled) {
      // What an operator does next: enable bob again, through the instance still running. The session stays revoked.
      const enabled = await v1(b.url, 'POST', ['users', 'bob', 'enable']);
      assert.ok(enabled.ok, JSON.stringify(enabled));
      assert.equal(await whoOnB(), 'ExpiredToken');
    } else {
      // Nothing of it happened: the call is made again through B, and then holds.
      const again = await v1(b.url, 'POST', ['users', 'bob', 'disable']);
      assert.ok(again.ok, JSON.stringify(again));
      assert.ok((await v1(b.url, 'POST', ['users', 'bob', 'enable'])).ok);
      assert.equal(await whoOnB(), 'ExpiredToken');
    }
  });
});
