/**
 * Review fh, 3: an instance killed in the middle of stopping (or ending) a job leaves the job ended with its sessions
 * revoked, or neither. The state change (`Stopped`, `Succeeded`, `Failed`) was one transaction and the job's entry in the
 * revocation list another, written after it. An instance killed (or its database lost) between the two left a job that
 * reads `Stopped` everywhere, given no session again, whose sessions already handed out kept working on every
 * instance until they expired (a job session lasts its role's maximum, at least 3 h): the "an instance killed
 * mid-write loses nothing committed and leaves nothing half-written", and "the job's sessions stop working when it
 * ends" (DESIGN.md). Now the revocation entry is written in the state change's own transaction.
 *
 * Two `gatehouse server` processes on one PostgreSQL schema (the machine's, a throw-away schema). An outside session
 * holds, uncommitted, the row of the job's revocation entry, so that A's write of it waits; A is then SIGKILLed and the
 * outside session rolled back. Before the fix, 1 of 1 tests failed (the job Stopped, no revocation entry, its session
 * still taken by B); after it, it passes.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
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

describe('an instance killed in the middle of stopping a job (review fh, 3)', { skip, timeout: 300_000 }, () => {
  it('leaves the job ended with its sessions revoked, or neither', async () => {
    const { a, b, admin, schema } = await twoPgInstances('fh3', cleanup);
    const v1 = <T,>(url: string, method: string, segments: string[], body?: unknown) =>
      call<T>({ endpoint: new URL(url), credentials: admin, region: REGION, credentialsSource: 'test' }, method, segments, body === undefined ? {} : { body });

    assert.ok((await v1(a.url, 'PUT', ['workspaces', 'w'], { members: [{ user: 'admin' }] })).ok);
    const submitted = await v1<{ job: { id: string }; capability: string; environment: Record<string, string> }>(a.url, 'POST', ['jobs'], { workspace: 'w', role: 'default', launcherUid: process.getuid?.() ?? 0 });
    assert.ok(submitted.ok, JSON.stringify(submitted));
    const { job, capability, environment } = submitted.value;
    const fetched = await fetch(environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', { headers: { authorization: capability } });
    assert.equal(fetched.status, 200, await fetched.clone().text());
    const c = (await fetched.json()) as { AccessKeyId: string; SecretAccessKey: string; Token: string };
    const session: Creds = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.Token };
    const whoOnB = async (): Promise<string> => {
      const client = new S.STSClient({ endpoint: b.url, region: REGION, credentials: session, maxAttempts: 1 });
      try {
        return (await client.send(new S.GetCallerIdentityCommand({}))).Arn ?? '';
      } catch (e) {
        return (e as Error).name;
      } finally {
        client.destroy();
      }
    };
    assert.match(await whoOnB(), /^arn:aws:sts::/, 'the job’s session works on B');

    // An outside session holds the row of the job's revocation entry, uncommitted: A's write of it waits.
    const entry = `revoke/job/${job.id}`;
    const blocker = new pg.Client({ connectionString: PG_URL });
    await blocker.connect();
    cleanup.push(() => blocker.end());
    await blocker.query('BEGIN');
    await blocker.query(`INSERT INTO ${schema}.kv (kv_key, kv_value, updated) VALUES ($1, '0', '2026-01-01T00:00:00.000Z')`, [entry]);
    const blockerPid = (await blocker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;

    const stopping = v1(a.url, 'POST', ['jobs', job.id, 'stop']).catch((e: unknown) => e);
    // A's backend waiting on the outside session: waited for (test/support/settle.ts), generously on a loaded host.
    const waiting = await settled(async () => (await pgAdmin((c) => c.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [blockerPid]))).rows.map((r) => r.pid), (pids) => pids.length > 0, SETTLE_MS, 25);
    assert.ok(waiting.length > 0, 'A never waited on the revocation entry');
    // Killed mid-write; the outside session goes away.
    const exited = new Promise((r) => a.child.once('exit', r));
    a.child.kill('SIGKILL');
    await exited;
    await stopping;
    await blocker.query('ROLLBACK');
    // The killed instance's backend, let go, finds its client gone and rolls back what it had not committed: waited for
    // as its end (gone from pg_stat_activity), not for a fixed time.
    const left = await settled(async () => (await pgAdmin((c) => c.query('SELECT pid FROM pg_stat_activity WHERE pid = ANY($1::int[])', [waiting]))).rows.length, (n) => n === 0);
    assert.equal(left, 0, `the killed instance's backend (pid ${waiting.join(', ')}) ended`);

    const stored = (await pgAdmin((c) => c.query<{ kv_value: string }>(`SELECT kv_value FROM ${schema}.kv WHERE kv_key = $1`, [`job/${job.id}`]))).rows[0]?.kv_value;
    const state = (JSON.parse(stored ?? '{}') as { state?: string }).state;
    const revoked = (await pgAdmin((c) => c.query(`SELECT 1 FROM ${schema}.kv WHERE kv_key = $1`, [entry]))).rows.length === 1;
    const ended = state === 'Stopped';
    assert.equal(revoked, ended, `nothing half-written: job ${state}, revocation entry ${revoked ? '' : 'not '}written`);
    if (ended) {
      assert.equal(await whoOnB(), 'ExpiredToken', 'the stopped job’s session is refused on B');
    } else {
      // Nothing of it happened: the stop is asked again through B, and then holds.
      const again = await v1(b.url, 'POST', ['jobs', job.id, 'stop']);
      assert.ok(again.ok, JSON.stringify(again));
      assert.equal(await whoOnB(), 'ExpiredToken', 'the stopped job’s session is refused on B');
    }
  });
});
