/**
 * One instance cut off from the database while the others are not (review M, M2 and M3). From inside, that looks
 * like a full outage: refreshes fail. Without a bound the instance keeps answering from what it last loaded (the
 * issue's promise for an outage); with `--max-staleness` it leaves readiness and answers decisions and session
 * checks with 503 once its state is older than the bound, so a revocation made through another instance is never
 * answered with 200 past that bound. And a session sealed with a key rotated in through another instance is 503
 * (retried by SDKs) on the cut-off instance, not InvalidClientTokenId (403, never retried).
 *
 * The cut: instance C reaches PostgreSQL (the machine's, test/support/postgres.ts) through a TCP proxy in this
 * process, which drops every connection and refuses new ones until restored; A reaches it directly.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { createApp, type AppDeps } from '../src/app/index.ts';
import { isStoreUnavailable, StoreUnavailableError, type Store } from '../src/app/ports/store.ts';
import { StartError, startServer, type RunningServer } from '../src/main/server.ts';
import { errorName, until } from './support/pg-cluster.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

const ROOT = '000000000000';

interface Creds {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** A TCP proxy to `port` on 127.0.0.1: `cut` drops every connection through it and refuses new ones until `restore`. */
async function tcpProxy(port: number): Promise<{ port: number; cut(): void; restore(): void; close(): Promise<void> }> {
  const open = new Set<Socket>();
  let cut = false;
  const server: Server = createServer((client) => {
    if (cut) return void client.destroy();
    const upstream = connect(port, '127.0.0.1');
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('error', end);
      s.on('close', end);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    cut: () => {
      cut = true;
      for (const s of open) s.destroy();
    },
    restore: () => void (cut = false),
    close: () =>
      new Promise<void>((resolve) => {
        cut = true;
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('a session sealed with a key this instance cannot fetch (the store cannot be reached)', () => {
  it('is refused as unavailable (retryable), not as an invalid token; verified once the store answers', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gh-stale-ring-'));
    const masterKey = masterKeyFromBytes(randomBytes(32));
    let cut = false;
    const appOn = async (cuttable: boolean) => {
      const real = await openSqliteStore({ dataDir });
      const gone = () => Promise.reject(new StoreUnavailableError('SQLite is unavailable: cut off by the test'));
      const store: Store = cuttable
        ? { dialect: real.dialect, migrations: real.migrations, read: (fn) => (cut ? gone() : real.read(fn)), write: (fn) => (cut ? gone() : real.write(fn)), close: () => real.close() }
        : real;
      const deps: AppDeps = { store, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKey), sessions: sessionCrypto };
      const app = createApp(deps, { audit: { enabled: false } });
      await app.start();
      return { app, store };
    };
    const a = await appOn(false);
    const c = await appOn(true);
    try {
      const creds = await a.app.bootstrap();
      assert.ok(creds);
      const admin = await a.app.authenticate(creds.AccessKeyId);
      assert.ok(admin.ok);
      // C loads the admin's key before the cut (it is decided for from memory afterwards).
      await c.app.refresh();
      assert.ok((await c.app.authenticate(creds.AccessKeyId)).ok);
      cut = true;
      const rotated = await a.app.live.rotateKeys();
      const issued = await a.app.sts.getSessionToken(admin.value.caller, 900);
      assert.ok(issued.ok);
      assert.equal(issued.value.sessionToken.split('.')[1], rotated.kid);
      const during = await c.app.authenticate(issued.value.accessKeyId, issued.value.sessionToken).then(
        (r) => (r.ok ? 'verified' : r.errors[0]?.code),
        (e: unknown) => (isStoreUnavailable(e) ? 'unavailable' : String(e)),
      );
      assert.equal(during, 'unavailable', 'the token may be valid: 503, not INVALID_CLIENT_TOKEN_ID');
      // What C holds keeps working meanwhile (no bound set): the admin's long-term key.
      assert.ok((await c.app.authenticate(creds.AccessKeyId)).ok);
      cut = false;
      await new Promise((r) => setTimeout(r, 150)); // past the key ring's read gap
      const back = await c.app.authenticate(issued.value.accessKeyId, issued.value.sessionToken);
      assert.ok(back.ok, JSON.stringify(back));
      // With the store answering, a made-up key id is refused as before.
      const forged = issued.value.sessionToken.replace(`.${rotated.kid}.`, '.00000000.');
      const refused = await c.app.authenticate(issued.value.accessKeyId, forged);
      assert.equal(refused.ok ? 'verified' : refused.errors[0]?.code, 'INVALID_CLIENT_TOKEN_ID');
    } finally {
      cut = false;
      await a.app.audit.stop();
      await c.app.audit.stop();
      await a.store.close();
      await c.store.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the staleness bound setting', () => {
  it('is refused at start unless a number of seconds above 0, at least twice the change poll interval (usage, exit 2)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gh-stale-usage-'));
    try {
      const refusal = (env: Record<string, string>, maxStalenessSeconds?: number) =>
        startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env, log: () => {}, ...(maxStalenessSeconds !== undefined ? { maxStalenessSeconds } : {}) }).then(
          async (s) => {
            await s.stop();
            return 'started';
          },
          (e: unknown) => (e instanceof StartError ? `${e.failure}: ${e.message}` : String(e)),
        );
      assert.match(await refusal({ GATEHOUSE_MAX_STALENESS_SECONDS: 'soon' }), /^usage: GATEHOUSE_MAX_STALENESS_SECONDS `soon`: give a number of seconds above 0/);
      assert.match(await refusal({}, 0), /^usage: --max-staleness `0`: give a number of seconds above 0/);
      assert.match(await refusal({ GATEHOUSE_MAX_STALENESS_SECONDS: '1' }), /^usage: GATEHOUSE_MAX_STALENESS_SECONDS `1`: must be at least twice the change poll interval \(1000 ms/);
      assert.match(await refusal({ GATEHOUSE_MAX_STALENESS_SECONDS: '1', GATEHOUSE_CHANGE_POLL_MS: '400' }), /^started$/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

const skip = await pgSkip();

describe('one instance cut off from PostgreSQL, the other not (--max-staleness)', { skip, timeout: 90_000 }, () => {
  const schema = `gh_stale_${randomBytes(6).toString('hex')}`;
  const env = { GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64') };
  let a: RunningServer;
  let c: RunningServer;
  let proxy: Awaited<ReturnType<typeof tcpProxy>>;
  const dirs: string[] = [];
  const logs: string[] = [];
  const clients: { destroy(): void }[] = [];
  let admin: Creds = { accessKeyId: '', secretAccessKey: '' };

  const config = (on: RunningServer, credentials: Creds) => ({ endpoint: on.url, region: 'us-east-1', credentials, maxAttempts: 1 });
  const sts = (on: RunningServer, credentials: Creds) => {
    const client = new STSClient(config(on, credentials));
    clients.push(client);
    return client;
  };
  const v1 = (on: RunningServer, credentials: Creds, method: string, segments: string[], body?: unknown) =>
    call<Record<string, unknown>>({ endpoint: new URL(on.url), credentials, region: 'us-east-1', credentialsSource: 'test' }, method, segments, body === undefined ? {} : { body });
  const decide = async (on: RunningServer, credentials: Creds): Promise<string> => {
    const r = await v1(on, credentials, 'POST', ['authorize'], { action: 'iam:ListRoles', resource: '*' });
    return r.ok ? String(r.value['decision']) : `${r.httpStatus} ${r.code}`;
  };
  const whoAmI = (on: RunningServer, credentials: Creds): Promise<string> =>
    sts(on, credentials)
      .send(new GetCallerIdentityCommand({}))
      .then((r) => r.Arn ?? '', (e: { name?: string }) => e.name ?? String(e));
  const readyz = async (on: RunningServer): Promise<number> => (await fetch(`${on.url}/readyz`)).status;
  const staleness = async (on: RunningServer): Promise<number> => Number(/^gatehouse_directory_staleness_seconds (\S+)$/m.exec(await (await fetch(`${on.url}/metrics`)).text())?.[1]);

  before(async () => {
    proxy = await tcpProxy(Number(new URL(PG_URL).port || 5432));
    const viaProxy = new URL(PG_URL);
    viaProxy.port = String(proxy.port);
    const start = async (name: string, databaseUrl: string, extra: { maxStalenessSeconds?: number }) => {
      const dataDir = await mkdtemp(join(tmpdir(), `gh-stale-${name}-`));
      dirs.push(dataDir);
      return startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env, databaseUrl, databaseSchema: schema, log: (l) => void logs.push(`${name}: ${l}`), ...extra });
    };
    a = await start('a', PG_URL, {});
    c = await start('c', viaProxy.toString(), { maxStalenessSeconds: 2 });
    const creds = a.adminCredentials;
    assert.ok(creds);
    admin = { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey };
  });
  after(async () => {
    for (const cl of clients) cl.destroy();
    proxy?.restore();
    await c?.stop().catch(() => {});
    await a?.stop().catch(() => {});
    await proxy?.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
    await pgAdmin((cl) => cl.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
  });

  it('past the bound, C is not ready and answers 503 (never the revoked session); it recovers by itself', async () => {
    const iam = new IAMClient(config(a, admin));
    clients.push(iam);
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' }] });
    await iam.send(new CreateRoleCommand({ RoleName: 'worker', AssumeRolePolicyDocument: trust }));
    const r = await sts(a, admin).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/worker`, RoleSessionName: 'ww' }));
    const session: Creds = { accessKeyId: r.Credentials?.AccessKeyId ?? '', secretAccessKey: r.Credentials?.SecretAccessKey ?? '', sessionToken: r.Credentials?.SessionToken ?? '' };
    await until('C verifies the session', async () => (await whoAmI(c, session)) === `arn:aws:sts::${ROOT}:assumed-role/worker/ww`);
    assert.equal(await decide(c, admin), 'Allow');
    assert.equal(await readyz(c), 200);
    assert.ok((await staleness(c)) < 2, 'a healthy instance refreshes about once a second');

    proxy.cut();
    const revoked = await v1(a, admin, 'POST', ['sts', 'revoke-sessions'], { roleArn: `arn:aws:iam::${ROOT}:role/worker` });
    assert.ok(revoked.ok, JSON.stringify(revoked));
    assert.equal(await whoAmI(a, session), 'ExpiredToken');

    // C cannot learn of the revocation: once its state is older than the bound it answers nothing from it.
    await until('C leaves readiness', async () => (await readyz(c)) === 503, 15_000);
    assert.equal(await whoAmI(c, session), 'ServiceUnavailable', 'the revoked session is not accepted by the cut-off instance');
    assert.equal(await decide(c, admin), '503 ServiceUnavailable');
    assert.ok((await staleness(c)) > 2);
    assert.equal(await readyz(a), 200, 'A, which reaches the database, stays ready');
    await until('C logs that it passed the bound', () => logs.some((l) => l.startsWith('c: stale: no refresh has succeeded for') && l.includes('--max-staleness')), 5_000);

    proxy.restore();
    await until('C is ready again', async () => (await readyz(c)) === 200, 20_000);
    assert.equal(await whoAmI(c, session), 'ExpiredToken', 'the revocation made meanwhile is enforced');
    assert.equal(await decide(c, admin), 'Allow');
    assert.ok((await staleness(c)) < 2);
    await until('C logs that it is current again', () => logs.some((l) => l.startsWith('c: stale: refreshed again')), 5_000);
  });
});
