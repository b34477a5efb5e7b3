/**
 * A store outage, for real: the server runs on a PostgreSQL cluster this test owns (initdb into a temp dir, its
 * own port, started and stopped with pg_ctl), and the cluster is stopped under it (`pg_ctl stop -m immediate`,
 * as a crash or a lost network would leave it), then started again.
 *
 * While it is down: writes answer 503 `ServiceUnavailable` (retryable, not 500), /readyz says not ready,
 * sessions are still verified and authorize decisions still made from memory, and — the audit log being
 * unwritable — no session is issued (fail closed). When it is back, everything recovers without a restart: the
 * pool reconnects, the audit backlog (decisions made during the outage) is written, the chain verifies.
 *
 * Skipped, with the reason, where no PostgreSQL server binaries are installed (initdb/pg_ctl on PATH or under
 * /usr/lib/postgresql/<v>/bin), or when running as root without a `postgres` user to run them as.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRoleCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { freePort } from './support/processes.ts';

const ROOT = '000000000000';

interface Cluster {
  readonly url: string;
  start(): void;
  stop(): void;
  destroy(): Promise<void>;
}

function findBin(name: string): string | undefined {
  if (spawnSync(name, ['--version']).status === 0) return name;
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  for (const v of readdirSync(base).sort().reverse()) {
    const p = join(base, v, 'bin', name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** A PostgreSQL cluster of our own, or the reason there cannot be one here. */
async function ownCluster(): Promise<Cluster | string> {
  const initdb = findBin('initdb');
  const pgCtl = findBin('pg_ctl');
  if (!initdb || !pgCtl) return 'no PostgreSQL server binaries (initdb, pg_ctl) on PATH or under /usr/lib/postgresql';
  // PostgreSQL refuses to run as root: run it as the `postgres` user then.
  let asUser: string[] = [];
  let uid: number | undefined;
  if (process.getuid?.() === 0) {
    const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    if (id.status !== 0 || spawnSync('runuser', ['--help']).status !== 0) return 'running as root, and no `postgres` user (or no runuser) to run the cluster as';
    uid = Number(id.stdout.trim());
    asUser = ['runuser', '-u', 'postgres', '--'];
  }
  const dir = await mkdtemp(join(tmpdir(), 'gh-outage-pg-'));
  if (uid !== undefined) chownSync(dir, uid, -1);
  const data = join(dir, 'data');
  const run = (cmd: string, args: string[]) => {
    const [bin, ...rest] = [...asUser, cmd, ...args];
    execFileSync(bin as string, rest, { stdio: 'pipe', timeout: 60_000 });
  };
  try {
    run(initdb, ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '--no-instructions']);
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    return `initdb failed: ${(e as { stderr?: Buffer }).stderr?.toString() ?? String(e)}`;
  }
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  const cluster: Cluster = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start: () => run(pgCtl, ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '30', 'start']),
    stop: () => run(pgCtl, ['-D', data, '-m', 'immediate', '-w', '-t', '30', 'stop']),
    destroy: async () => {
      try {
        cluster.stop();
      } catch {
        // already stopped
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
  cluster.start();
  return cluster;
}

const until = async (what: string, cond: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> => {
  const end = Date.now() + ms;
  for (;;) {
    if (await Promise.resolve().then(cond).catch(() => false)) return;
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

async function errorName(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'no error';
  } catch (e) {
    return (e as { name?: string }).name ?? String(e);
  }
}

const made = await ownCluster();
const skip = typeof made === 'string' ? `skipped: ${made}` : undefined;

describe('store outage (PostgreSQL stopped under a running server)', { skip }, () => {
  const cluster = made as Cluster;
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
    server = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, databaseUrl: cluster.url, log: (l) => void logs.push(l) });
    const creds = server.adminCredentials;
    assert.ok(creds);
    admin = { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey };
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await server?.stop().catch(() => {});
    await cluster.destroy();
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

    cluster.stop();
    const t0 = Date.now();

    // Writes: 503 ServiceUnavailable, in JSON (admin API) and in XML (IAM Query API), never 500.
    const write = await v1(admin, 'POST', ['users'], { name: 'during' });
    assert.equal(write.ok, false);
    assert.deepEqual(write.ok ? [] : [write.httpStatus, write.code], [503, 'ServiceUnavailable']);
    assert.equal(await errorName(iam.send(new CreateUserCommand({ UserName: 'during' }))), 'ServiceUnavailable');
    assert.equal((await fetch(`${server.url}/readyz`)).status, 503);

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

    cluster.start();
    const t1 = Date.now();
    await until('writes succeed again', async () => (await v1(admin, 'POST', ['users'], { name: 'after' })).ok);
    const recoveredMs = Date.now() - t1;
    await until('the audit backlog is written', () => server.app.audit.status().healthy && server.app.audit.status().backlog === 0);
    await until('the store is ready', async () => (await fetch(`${server.url}/readyz`)).status === 200);
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
