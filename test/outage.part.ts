/**
 * A store outage, for real: the server runs on a PostgreSQL cluster this test owns (initdb into a temp dir, its
 * own port, started and stopped with pg_ctl), and the cluster is stopped under it (`pg_ctl stop -m immediate`,
 * as a crash or a lost network would leave it), then started again.
 *
 * While it is down: writes answer 503 `ServiceUnavailable` (retryable, not 500), /readyz stays ready (review M1:
 * a readiness probe would otherwise take every replica out of its Service, stopping the decisions that keep
 * working), sessions are still verified and authorize decisions still made from memory, and — the audit log being
 * unwritable — no session is issued (fail closed). When it is back, everything recovers without a restart: the
 * pool reconnects, the audit backlog (decisions made during the outage) is written, the chain verifies.
 *
 * Skipped, with the reason, where no PostgreSQL server binaries are installed (initdb/pg_ctl on PATH or under
 * /usr/lib/postgresql/<v>/bin), or when running as root without a `postgres` user to run them as
 * (test/support/pg-cluster.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRoleCommand, CreateUserCommand, IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { errorName, ownCluster, until, type Cluster } from './support/pg-cluster.ts';
import { freePort } from './support/processes.ts';

const ROOT = '000000000000';

const made = await ownCluster();
const skip = typeof made === 'string' ? `skipped: ${made}` : undefined;

const cluster = made as Cluster;
after(async () => {
  if (typeof made !== 'string') await cluster.destroy();
});

describe('store outage (PostgreSQL stopped under a running server)', { skip }, () => {
  let server: RunningServer;
  let dataDir = '';
  const logs: string[] = [];
  const clients: { destroy(): void }[] = [];
  let admin = { accessKeyId: '', secretAccessKey: '' };

  const sdk = <T extends { destroy(): void }>(c: T): T => (clients.push(c), c);
  const config = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) => ({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });
  const v1 = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, method: string, segments: string[], body?: unknown) =>
    call<Record<string, unknown>>({ endpoint: new URL(server.url), credentials, region: 'us-east-1', credentialsSource: 'test' }, method, segments, body === undefined ? {} : { body });

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gh-outage-'));
    // Job sweeps every 500 ms: an outage of a few seconds sees several fail.
    server = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, databaseUrl: cluster.url, log: (l) => void logs.push(l), jobHeartbeatTimeoutMs: 1000 });
    const creds = server.adminCredentials;
    assert.ok(creds);
    admin = { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey };
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await server?.stop().catch(() => {});
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers 503 for writes, keeps verifying sessions and deciding from memory, refuses issuance, and recovers by itself', async () => {
    const iam = sdk(new IAMClient(config(admin)));
    const sts = sdk(new STSClient(config(admin)));
    await iam.send(new CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' }] }) }));
    const a = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/r`, RoleSessionName: 'before' }));
    const session = { accessKeyId: a.Credentials?.AccessKeyId ?? '', secretAccessKey: a.Credentials?.SecretAccessKey ?? '', sessionToken: a.Credentials?.SessionToken ?? '' };
    // Warm what the outage will be served from: the admin's key, the role's policies.
    assert.equal((await v1(admin, 'POST', ['authorize'], { action: 'outage:Warm', resource: 'arn:aws:s3:::b/k' })).ok, true);
    assert.equal((await v1(session, 'POST', ['authorize'], { action: 'outage:Warm', resource: 'arn:aws:s3:::b/k' })).ok, true);
    await server.app.audit.flush();
    assert.equal(server.app.audit.status().backlog, 0);

    cluster.stop();
    const t0 = Date.now();

    // Fail closed from the start of the outage: nothing is queued and no audit write has failed yet, but the store
    // is known to be unreachable, so no session is issued whose record could only sit in memory. The caller is not
    // told where the database is (that goes to the server's log).
    await until('the audit log is reported not writable (the store is unreachable)', () => !server.app.audit.status().healthy, 5000);
    assert.equal(server.app.audit.status().backlog, 0, 'nothing was queued: the gate closed on the store being unreachable, not on a failed write');
    const refused = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/r`, RoleSessionName: 'at-once' })).then(
      () => undefined,
      (e: { name?: string; message?: string }) => e,
    );
    assert.equal(refused?.name, 'ServiceUnavailable');
    assert.doesNotMatch(refused?.message ?? '', /127\.0\.0\.1|ECONNREFUSED|PostgreSQL|:\d{4,5}/);
    assert.ok(logs.some((l) => l.startsWith('audit: the audit log is not known to be writable (the store cannot be reached)')), logs.join('\n'));

    // Writes: 503 ServiceUnavailable, in JSON (admin API) and in XML (IAM Query API), never 500.
    const write = await v1(admin, 'POST', ['users'], { name: 'during' });
    assert.equal(write.ok, false);
    assert.deepEqual(write.ok ? [] : [write.httpStatus, write.code], [503, 'ServiceUnavailable']);
    assert.equal(await errorName(iam.send(new CreateUserCommand({ UserName: 'during' }))), 'ServiceUnavailable');
    // Reads of the store too (writes are refused before they reach it: the audit log cannot record them).
    assert.equal(await errorName(iam.send(new ListUsersCommand({}))), 'ServiceUnavailable');
    // Ready: decisions and session checks need no database (no --max-staleness bound here).
    assert.equal((await fetch(`${server.url}/readyz`)).status, 200);

    // From memory: decisions (long-term key and session) and session verification.
    const d1 = await v1(admin, 'POST', ['authorize'], { action: 'outage:Decide', resource: 'arn:aws:s3:::b/k' });
    assert.deepEqual(d1.ok && d1.value['decision'], 'Allow');
    const d2 = await v1(session, 'POST', ['authorize'], { action: 'outage:Decide', resource: 'arn:aws:s3:::b/k' });
    assert.deepEqual(d2.ok && d2.value['decision'], 'ImplicitDeny');
    assert.equal((await sdk(new STSClient(config(session))).send(new GetCallerIdentityCommand({}))).Arn, `arn:aws:sts::${ROOT}:assumed-role/r/before`);

    // The decisions cannot be recorded now: issuance is refused until they can (fail closed).
    await until('the audit log reports the outage', () => !server.app.audit.status().healthy);
    assert.equal(await errorName(sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/r`, RoleSessionName: 'during' }))), 'ServiceUnavailable');
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /^gatehouse_store_unavailable_total [1-9]/m);
    assert.match(metrics, /^gatehouse_audit_healthy 0$/m);
    const outageMs = Date.now() - t0;

    // Several sweeps failed during the outage; said once.
    await until('a job sweep has failed', () => logs.some((l) => l.startsWith('job sweep failed')), 5000);
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(logs.filter((l) => l.startsWith('job sweep failed')).length, 1, logs.join('\n'));

    // Back: still ready, whether or not the audit backlog is written yet (the writer retries with backoff):
    // readiness is about serving decisions, which never wait for the audit log.
    assert.ok(server.app.audit.status().backlog > 0, 'the outage left records to write');
    cluster.start();
    const t1 = Date.now();
    await until('the store is ready', async () => (await fetch(`${server.url}/readyz`)).status === 200);
    await until('writes succeed again', async () => (await v1(admin, 'POST', ['users'], { name: 'after' })).ok);
    const recoveredMs = Date.now() - t1;
    await until('the audit backlog is written', () => server.app.audit.status().healthy && server.app.audit.status().backlog === 0);
    await until('job sweeps work again', () => logs.some((l) => l === 'job sweep: working again'), 5000);
    await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/r`, RoleSessionName: 'after' }));

    const page = await call<{ records: { action: string; session?: string }[] }>({ endpoint: new URL(server.url), credentials: admin, region: 'us-east-1', credentialsSource: 'test' }, 'GET', ['audit'], { query: { action: 'outage:Decide', limit: '100' } });
    assert.ok(page.ok);
    assert.equal(page.value.records.length, 2, 'the decisions made during the outage were recorded once the store was back');
    const verify = await call<{ ok: boolean }>({ endpoint: new URL(server.url), credentials: admin, region: 'us-east-1', credentialsSource: 'test' }, 'GET', ['audit', 'verify']);
    assert.ok(verify.ok && verify.value.ok);
    assert.ok(logs.some((l) => l.startsWith('refresh failed (serving from memory')), logs.join('\n'));
    assert.ok(logs.some((l) => l.startsWith('refresh: the store answers again')), logs.join('\n'));
    assert.ok(logs.some((l) => l.startsWith('store unavailable, answering 503')), logs.join('\n'));
    process.stdout.write(`# outage checks took ${outageMs} ms; writes recovered ${recoveredMs} ms after the database started\n`);
  });
});

describe('a server started while PostgreSQL is down', { skip }, () => {
  let dataDir = '';
  let starting: Promise<RunningServer> | undefined;
  let server: RunningServer | undefined;
  const logs: string[] = [];

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gh-outage-start-'));
  });
  const startCluster = (): void => {
    try {
      cluster.start();
    } catch {
      // already running
    }
  };
  const stopCluster = (): void => {
    try {
      cluster.stop();
    } catch {
      // already stopped
    }
  };
  after(async () => {
    // Running again first: a start still waiting for it then finishes, and is stopped.
    startCluster();
    await server?.stop().catch(() => {});
    await starting?.then((s) => s.stop()).catch(() => {});
    await rm(dataDir, { recursive: true, force: true });
  });

  it('waits for it, saying so once per attempt without the password; /healthz 200 and /readyz 503 meanwhile; ready once connected and loaded', async () => {
    stopCluster();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    // Trust authentication accepts any password: one in the URL must not reach the log.
    const withPassword = cluster.url.replace('postgres@', 'postgres:s3cret-pw@');
    starting = startServer({ dataDir, listen: `127.0.0.1:${port}`, agentListen: '127.0.0.1:0', env: {}, databaseUrl: withPassword, databaseSchema: 'start_wait', log: (l) => void logs.push(l) });
    starting.catch(() => {});
    await until('the probe listener answers', async () => (await fetch(`${url}/healthz`)).status === 200, 10_000);
    assert.equal((await fetch(`${url}/readyz`)).status, 503);
    const write = await fetch(`${url}/v1/users`, { method: 'POST', body: '{}' });
    assert.equal(write.status, 503);
    assert.equal(((await write.json()) as { error: { code: string } }).error.code, 'ServiceUnavailable');
    await until('a second attempt is logged', () => logs.filter((l) => l.includes('cannot be reached (attempt')).length >= 2, 10_000);
    const attempts = logs.filter((l) => l.includes('cannot be reached (attempt'));
    assert.match(attempts[0] ?? '', /^the database \(PostgreSQL at postgres:\/\/postgres:…@127\.0\.0\.1:\d+\/postgres\) cannot be reached \(attempt 1\): .*ECONNREFUSED.*; trying again in 0\.5 s$/);
    assert.ok(!logs.join('\n').includes('s3cret-pw'), logs.join('\n'));
    assert.ok(logs.some((l) => l.startsWith('waiting for the database (PostgreSQL at ') && l.includes(url)), logs.join('\n'));

    startCluster();
    server = await starting;
    starting = undefined;
    assert.equal(server.url, url);
    assert.equal((await fetch(`${url}/readyz`)).status, 200);
    assert.ok(server.app.live.loaded);
    assert.ok(logs.some((l) => /^loaded \d+ user\(s\) and role\(s\)/.test(l)), logs.join('\n'));
    const creds = server.adminCredentials;
    assert.ok(creds);
    const me = await call<{ arn: string }>({ endpoint: new URL(url), credentials: { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey }, region: 'us-east-1', credentialsSource: 'test' }, 'POST', ['authorize'], { body: { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' } });
    assert.ok(me.ok);
  });

  it('with GATEHOUSE_DATABASE_WAIT_SECONDS=0, gives up at once, naming the database and not the password', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-outage-nowait-'));
    try {
      stopCluster();
      const withPassword = cluster.url.replace('postgres@', 'postgres:s3cret-pw@');
      const e = await startServer({ dataDir: dir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: { GATEHOUSE_DATABASE_WAIT_SECONDS: '0' }, databaseUrl: withPassword, databaseSchema: 'no_wait', log: () => {} }).then(
        () => undefined,
        (x: Error) => x,
      );
      assert.match(e?.message ?? '', /^the database \(PostgreSQL at postgres:\/\/postgres:…@127\.0\.0\.1:\d+\/postgres\) cannot be reached: .*ECONNREFUSED.*gave up after 1 attempt/);
      assert.ok(!(e?.message ?? '').includes('s3cret-pw'));
    } finally {
      startCluster();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
