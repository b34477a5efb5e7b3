/**
 * Review az, 1: a failover. While the database address leads to a PostgreSQL that takes no writes — a hot standby not
 * yet promoted (the VIP or DNS name moved before the promotion finished; an Aurora or RDS writer endpoint still
 * resolving to the old writer, now a reader), or a primary with `default_transaction_read_only` — a write is an outage
 * like any other: 503 ServiceUnavailable, retried by clients, and an instance (re)started meanwhile waits for it.
 *
 * Before, the store passed SQLSTATE 25006 (`cannot execute SELECT FOR UPDATE in a read-only transaction`) through as a
 * plain error: `sts revoke-sessions` and `keys rotate` (never gated by the audit log) answered 500 InternalFailure with
 * an XML body the CLI could not read, a CreateUser 500 until the audit gate happened to close, each logged as an
 * internal error with its stack; and `gatehouse server` started during the failover exited at once ("cannot execute
 * CREATE TABLE in a read-only transaction"), so a rolling restart or a rescheduled pod crash-looped until the
 * promotion, where a database that cannot be reached is waited for (/healthz 200, /readyz 503). Now SQLSTATE 25006 is
 * `StoreUnavailableError` in the store and "cannot be reached yet" at start; decisions and session checks go on from
 * memory throughout, and everything recovers by itself once the standby is promoted.
 *
 * A PostgreSQL cluster of the test's own and a streaming hot standby of it (test/support/pg-cluster.ts), behind a TCP
 * proxy that plays the moving address: the failover points it at the standby, cuts every connection and stops the
 * primary; `pg_ctl promote` ends it. Skipped with the reason where no cluster can be made.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { errorName, ownCluster, until, type Cluster } from './support/pg-cluster.ts';
import { freePort } from './support/processes.ts';

const ROOT = '000000000000';
const made = await ownCluster();
const skip = typeof made === 'string' ? `skipped: ${made}` : undefined;
const primary = made as Cluster;
const cleanup: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  if (typeof made !== 'string') await primary.destroy();
});

/** A TCP proxy on 127.0.0.1 to the port `target()` names when a connection opens: the database's moving address. */
async function movingAddress(target: () => number): Promise<{ url: string; cutAll(): void; server: Server }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target(), '127.0.0.1');
    sockets.add(client).add(upstream);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.pipe(upstream).pipe(client);
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, server, cutAll: () => sockets.forEach((s) => s.destroy()) };
}

describe('a failover: the database address leads to a standby not yet promoted (review az, 1)', { skip, timeout: 120_000 }, () => {
  it('answers writes 503, keeps deciding, waits to start, and recovers by itself once the standby is promoted', async () => {
    const standby = await primary.standby();
    let target = primary.port;
    const address = await movingAddress(() => target);
    cleanup.push(async () => {
      address.cutAll();
      address.server.close();
    });
    const masterKey = randomBytes(32).toString('base64');
    const logs: string[] = [];
    const start = async (name: string, port: number): Promise<RunningServer> => {
      const dataDir = await mkdtemp(join(tmpdir(), `gh-az1-${name}-`));
      cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
      return startServer({ dataDir, listen: `127.0.0.1:${port}`, agentListen: '127.0.0.1:0', env: { GATEHOUSE_MASTER_KEY: masterKey }, databaseUrl: address.url, log: (l) => void logs.push(`${name}: ${l}`) });
    };
    const a = await start('a', 0);
    cleanup.push(() => a.stop());
    const admin = { accessKeyId: a.adminCredentials?.AccessKeyId ?? '', secretAccessKey: a.adminCredentials?.SecretAccessKey ?? '' };
    const sdk = <T extends { destroy(): void }>(c: T): T => (cleanup.push(async () => c.destroy()), c);
    const config = (url: string, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) => ({ endpoint: url, region: 'us-east-1', credentials, maxAttempts: 1 });
    const v1 = (url: string, method: string, segments: string[], body?: unknown) =>
      call<Record<string, unknown>>({ endpoint: new URL(url), credentials: admin, region: 'us-east-1', credentialsSource: 'test' }, method, segments, body === undefined ? {} : { body });
    const iam = sdk(new I.IAMClient(config(a.url, admin)));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' }] }) }));
    const issued = await sdk(new S.STSClient(config(a.url, admin))).send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/r`, RoleSessionName: 'before' }));
    const session = { accessKeyId: issued.Credentials?.AccessKeyId ?? '', secretAccessKey: issued.Credentials?.SecretAccessKey ?? '', sessionToken: issued.Credentials?.SessionToken ?? '' };
    // The standby has replayed all of it (streaming replication, asynchronous): the role is there.
    await until('the standby has the role', async () => {
      const pg = (await import('pg')).default;
      const c = new pg.Client({ connectionString: standby.url });
      await c.connect();
      try {
        return (await c.query("SELECT 1 FROM roles WHERE name = 'r'")).rowCount === 1;
      } finally {
        await c.end();
      }
    });

    // The failover: the address now leads to the standby, still in recovery; the old primary is gone.
    target = standby.port;
    address.cutAll();
    primary.stop();
    await until('a reads from the standby', async () => (await a.app.refresh().then(() => true)));

    // Taking access away is never gated by the audit log: it reaches the store, which takes no writes. 503, which
    // the CLI and the SDKs retry, in the admin API's JSON; not 500 InternalFailure.
    const revoke = await v1(a.url, 'POST', ['sts', 'revoke-sessions'], { roleArn: `arn:aws:iam::${ROOT}:role/r` });
    assert.deepEqual(revoke.ok ? 'revoked' : [revoke.httpStatus, revoke.code], [503, 'ServiceUnavailable']);
    const rotate = await v1(a.url, 'POST', ['keys', 'rotate']);
    assert.deepEqual(rotate.ok ? 'rotated' : [rotate.httpStatus, rotate.code], [503, 'ServiceUnavailable']);
    assert.equal(await errorName(iam.send(new I.CreateUserCommand({ UserName: 'during' }))), 'ServiceUnavailable');
    assert.deepEqual(
      logs.filter((l) => l.includes('internal error')),
      [],
      'a database that takes no writes is an outage, not a bug',
    );
    // Decisions and sessions from memory meanwhile; reads of the store work (the standby answers them).
    assert.equal((await sdk(new S.STSClient(config(a.url, session))).send(new S.GetCallerIdentityCommand({}))).Arn, `arn:aws:sts::${ROOT}:assumed-role/r/before`);
    assert.equal((await iam.send(new I.GetRoleCommand({ RoleName: 'r' }))).Role?.RoleName, 'r');

    // An instance (re)started now waits, answering its probes, instead of exiting.
    const port = await freePort();
    const b: { started?: RunningServer; failed?: unknown } = {};
    const starting = start('b', port).then(
      (s) => void (b.started = s),
      (e: unknown) => void (b.failed = e),
    );
    await until('b answers its probes', async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200, 10_000).catch(() => undefined);
    assert.equal(b.failed === undefined ? 'waiting' : `exited: ${(b.failed as Error).message}`, 'waiting');
    assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 503);
    assert.equal(b.started, undefined);

    // Promoted: writes go through again on a, and b starts, ready, and verifies the session sealed before.
    standby.promote();
    await until('a takes writes again', async () => (await iam.send(new I.CreateUserCommand({ UserName: 'after' })).then(() => true)), 20_000);
    await starting;
    const started = b.started as RunningServer | undefined;
    assert.ok(started, `b did not start: ${String(b.failed)}`);
    cleanup.push(() => started.stop());
    assert.equal((await fetch(`${started.url}/readyz`)).status, 200);
    assert.equal((await sdk(new S.STSClient(config(started.url, session))).send(new S.GetCallerIdentityCommand({}))).Arn, `arn:aws:sts::${ROOT}:assumed-role/r/before`);
    const revoked = await v1(started.url, 'POST', ['sts', 'revoke-sessions'], { roleArn: `arn:aws:iam::${ROOT}:role/r` });
    assert.ok(revoked.ok, 'b takes writes');
    await until('a refuses the revoked session', async () => (await errorName(sdk(new S.STSClient(config(a.url, session))).send(new S.GetCallerIdentityCommand({})))) === 'ExpiredToken', 5000);
  });
});
