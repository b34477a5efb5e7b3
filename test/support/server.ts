/**
 * A real `gatehouse server` for tests: `startServer` (src/main/server.ts) on 127.0.0.1 with a random port,
 * in a temporary data dir (SQLite, its schema copied from a file migrated once a process: migrated-data-dir.ts; its own
 * master key, no environment leaking in: `env` is all it sees), and the clients that
 * talk to it. `stop()` shuts it down and removes the directory.
 *
 * `openApp()` opens a second `App` on the same data dir (same store file, same master key), for use cases
 * that have no IAM API call (`createAccount`); the server reads the store on every request, so it sees
 * what that App writes. With `postgres`, the server keeps its state in that schema of that database instead
 * (`openApp()` is then refused: it opens the SQLite file); `stop()` leaves the schema to the test.
 */
import { randomBytes } from 'node:crypto';
import { Agent } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand, type CreateUserCommandInput } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import { createApp, type App, type AppDeps, type AuditOptions } from '../../src/app/index.ts';
import type { Store } from '../../src/app/ports/store.ts';
import type { AuditFilter, AuditRecord } from '../../src/core/audit/index.ts';
import { auditChainKey, chainDigest, loadMasterKey, secretSealer, sessionCrypto } from '../../src/adapters/crypto/index.ts';
import { openSqliteStore } from '../../src/adapters/store-sqlite/index.ts';
import { ADMIN_CREDENTIALS_FILE, startServer, type RunningServer } from '../../src/main/server.ts';
import { gatehouseInProcess } from './gatehouse-cli.ts';
import { migratedDataDir } from './migrated-data-dir.ts';

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Temporary credentials (STS). */
  readonly sessionToken?: string;
}

export interface AdminFile {
  readonly AccessKeyId: string;
  readonly SecretAccessKey: string;
  readonly AccountId: string;
  readonly Endpoint: string;
  readonly UserName?: string;
}

export interface TestServer {
  readonly url: string;
  readonly dataDir: string;
  readonly running: RunningServer;
  /** The root admin, as written to `admin-credentials.json`. */
  readonly admin: Credentials;
  readonly adminFile: AdminFile;
  /** What the server logged. */
  readonly logs: string[];
  /** SDK clients of this server, destroyed by `stop`; one attempt a call unless `maxAttempts` says more. */
  iam(credentials?: Credentials, maxAttempts?: number): IAMClient;
  sts(credentials?: Credentials, maxAttempts?: number): STSClient;
  /** `wrapStore`: what the App is given in place of the store it opens (a wrapper that races its writes: racing-write.ts). */
  openApp(options?: { readonly wrapStore?: (store: Store) => Store }): Promise<App>;
  /** Stops the server (not the directory), so a test can start another on the same data dir. */
  stopServer(): Promise<void>;
  stop(): Promise<void>;
}

export const REGION = 'us-east-1';

/**
 * `env` for a test's server, with SQLite's commits not fsynced one by one (GATEHOUSE_SQLITE_SYNCHRONOUS=normal) unless
 * it says otherwise or puts the data in PostgreSQL: a commit still survives the process (the crash tests kill
 * processes, not machines), and the fsyncs were 2–8% of a review group's CPU (docs/benchmarks.md "npm test CPU, stop 64").
 */
export function sqliteTestEnv<E extends Readonly<Record<string, string | undefined>>>(env: E): E & { GATEHOUSE_SQLITE_SYNCHRONOUS?: string } {
  if ((env['GATEHOUSE_DATABASE_URL'] ?? '') !== '' || env['GATEHOUSE_SQLITE_SYNCHRONOUS'] !== undefined) return env;
  return { ...env, GATEHOUSE_SQLITE_SYNCHRONOUS: 'normal' };
}

export async function startTestServer(options: { env?: Readonly<Record<string, string>>; dataDir?: string; keepDir?: boolean; audit?: AuditOptions; maxMetadataEndpoints?: number; maxScopedSessions?: number; maxLiveJobs?: number; s3MaxPutSize?: number; maxSignatureNonces?: number; jobHeartbeatTimeoutMs?: number; postgres?: { url: string; schema: string } } = {}): Promise<TestServer> {
  // A data dir of its own starts from a migrated SQLite file (migrated-data-dir.ts); one given is taken as it is.
  const sqlite = options.postgres === undefined && (options.env?.['GATEHOUSE_DATABASE_URL'] ?? '') === '';
  const dataDir = options.dataDir ?? (sqlite ? await migratedDataDir('gh-server-') : await mkdtemp(join(tmpdir(), 'gh-server-')));
  const logs: string[] = [];
  // The closed audit gate refuses changes and sessions once a record has waited 2 s unwritten. The writer is a
  // worker thread started on the first record; on a loaded CI machine (two suites, servers in child processes) its
  // start alone can pass 2 s, and suites failed with ServiceUnavailable. The gate's timing is tested on its own
  // (audit-gate.test.ts); here it waits 30 s unless a test says otherwise. A failed write still closes it at once.
  const audit: AuditOptions = { maxUnwrittenMs: 30_000, ...options.audit };
  const env = sqlite ? sqliteTestEnv({ ...options.env }) : { ...options.env };
  const running = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env, log: (line) => void logs.push(line), audit, ...(options.maxMetadataEndpoints !== undefined ? { maxMetadataEndpoints: options.maxMetadataEndpoints } : {}), ...(options.maxScopedSessions !== undefined ? { maxScopedSessions: options.maxScopedSessions } : {}), ...(options.maxLiveJobs !== undefined ? { maxLiveJobs: options.maxLiveJobs } : {}), ...(options.s3MaxPutSize !== undefined ? { s3MaxPutSize: options.s3MaxPutSize } : {}), ...(options.maxSignatureNonces !== undefined ? { maxSignatureNonces: options.maxSignatureNonces } : {}), ...(options.jobHeartbeatTimeoutMs !== undefined ? { jobHeartbeatTimeoutMs: options.jobHeartbeatTimeoutMs } : {}), ...(options.postgres !== undefined ? { databaseUrl: options.postgres.url, databaseSchema: options.postgres.schema } : {}) });
  const adminFile = JSON.parse(await readFile(join(dataDir, ADMIN_CREDENTIALS_FILE), 'utf8')) as AdminFile;
  const admin: Credentials = { accessKeyId: adminFile.AccessKeyId, secretAccessKey: adminFile.SecretAccessKey };
  const clients: { destroy(): void }[] = [];
  const stores: Store[] = [];
  let serverStopped = false;
  const stopServer = async (): Promise<void> => {
    if (serverStopped) return;
    serverStopped = true;
    for (const c of clients.splice(0)) c.destroy();
    await running.stop();
  };

  // A connection per call: with one attempt a call, a pooled connection the server closed as idle (keep-alive, 5 s)
  // just as the next call went out failed the test with ECONNRESET "socket hang up" (principal-recreated, stop 45's
  // CI), a race the SDK's default three attempts absorb but the tests' one does not.
  const config = (credentials: Credentials, maxAttempts: number) => ({ endpoint: running.url, region: REGION, credentials, maxAttempts, requestHandler: { httpAgent: new Agent({ keepAlive: false }) } });
  return {
    url: running.url,
    dataDir,
    running,
    admin,
    adminFile,
    logs,
    iam(credentials = admin, maxAttempts = 1) {
      const c = new IAMClient(config(credentials, maxAttempts));
      clients.push(c);
      return c;
    },
    sts(credentials = admin, maxAttempts = 1) {
      const c = new STSClient(config(credentials, maxAttempts));
      clients.push(c);
      return c;
    },
    async openApp(appOptions = {}) {
      if (options.postgres !== undefined) throw new Error('openApp() opens the SQLite store: this server keeps its state in PostgreSQL');
      const key = await loadMasterKey({ dataDir, env: {} });
      if (!key.ok) throw new Error(key.error.message);
      const masterKey = key.value.masterKey;
      const store = await openSqliteStore({ dataDir });
      stores.push(store);
      const deps: AppDeps = {
        store: appOptions.wrapStore?.(store) ?? store,
        now: () => Date.now(),
        randomBytes: (n) => randomBytes(n),
        sealer: secretSealer(masterKey),
        sessions: sessionCrypto,
        chainDigest: chainDigest(auditChainKey(masterKey)),
      };
      const app = createApp(deps);
      await app.start();
      return app;
    },
    stopServer,
    async stop() {
      await stopServer();
      for (const s of stores.splice(0)) await s.close();
      if (!options.keepDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A new user `name` of the root account and an access key of its own, made by `admin` through the IAM API. (Not
 * through resource-server.ts's `gatehouseJson`: that module has a top-level await, and importing it here made every
 * test file that imports this one load asynchronously, which moved when the review groups' suites registered.)
 */
export async function userWithKey(server: Pick<TestServer, 'url' | 'admin'>, name: string): Promise<Credentials> {
  const iam = new IAMClient({ endpoint: server.url, region: REGION, credentials: server.admin, maxAttempts: 1 });
  try {
    await iam.send(new CreateUserCommand({ UserName: name }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey;
    if (key?.AccessKeyId === undefined || key.SecretAccessKey === undefined) throw new Error(`CreateAccessKey ${name}: no key in the answer`);
    return { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
  } finally {
    iam.destroy();
  }
}

/** `userWithKey`, with the inline policy `policyName` (`policyDocument`, JSON) put on the user once its key is made. */
export async function userWithPolicy(server: Pick<TestServer, 'url' | 'admin'>, name: string, policyDocument: string, policyName = 'p'): Promise<Credentials> {
  const credentials = await userWithKey(server, name);
  const iam = new IAMClient({ endpoint: server.url, region: REGION, credentials: server.admin, maxAttempts: 1 });
  try {
    await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: policyName, PolicyDocument: policyDocument }));
  } finally {
    iam.destroy();
  }
  return credentials;
}

/**
 * A new account `id` of partition `aws` named `name`, made through a second App on `server`'s store as its root admin
 * (no IAM API call makes an account); answers the new account's root access key.
 */
export async function createdAccount(server: Pick<TestServer, 'admin' | 'openApp'>, id: string, name: string): Promise<Credentials> {
  return createdAccountThrough(await server.openApp(), server.admin, id, name);
}

/** `createdAccount` through `app` (a second App on the server's store), as `admin`, the root admin. */
export async function createdAccountThrough(app: App, admin: Credentials, id: string, name: string): Promise<Credentials> {
  const root = await app.authenticate(admin.accessKeyId);
  if (!root.ok) throw new Error(`the admin's key does not authenticate: ${root.errors[0]?.message ?? ''}`);
  const created = await app.createAccount(root.value.caller, { id, partition: 'aws', name });
  if (!created.ok) throw new Error(`createAccount ${id}: ${JSON.stringify(created)}`);
  return { accessKeyId: created.value.AccessKeyId, secretAccessKey: created.value.SecretAccessKey };
}

/** The AWS error name an SDK call failed with (`EntityAlreadyExistsException`, `ValidationError`…). */
export async function errorName(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as { name?: string }).name ?? String(e);
  }
  return 'no error';
}

/** `ok` when an SDK call succeeded, else the name of the error it failed with (`errorName`). */
export async function outcomeName(p: Promise<unknown>): Promise<string> {
  const name = await errorName(p);
  return name === 'no error' ? 'ok' : name;
}

/**
 * A new user `name` made through `iam` (with `extra`: its tags, path, boundary…), given the inline policy `p` of
 * `doc` when there is one; answers its access key.
 */
export async function iamUserWith(iam: IAMClient, name: string, doc: unknown, extra: Partial<CreateUserCommandInput> = {}): Promise<Credentials> {
  await iam.send(new CreateUserCommand({ UserName: name, ...extra }));
  if (doc) await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: JSON.stringify(doc) }));
  const k = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  return { accessKeyId: k.AccessKey!.AccessKeyId!, secretAccessKey: k.AccessKey!.SecretAccessKey! };
}

/**
 * The exception an SDK call failed with: the name of the modeled exception the SDK raised (`InvalidInputException`…),
 * its code (the XML `Code`, else that name), message and HTTP status.
 */
export async function sdkException(p: Promise<unknown>): Promise<{ name: string; code: string; message: string; status: number | undefined }> {
  try {
    await p;
  } catch (e) {
    const err = e as { Code?: string; name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name ?? String(e), code: err.Code ?? err.name ?? String(e), message: err.message ?? '', status: err.$metadata?.httpStatusCode };
  }
  return { name: 'no error', code: 'no error', message: '', status: undefined };
}

/** The error an SDK call failed with (`sdkException` less the exception's name): its code, message and HTTP status. */
export async function sdkFailure(p: Promise<unknown>): Promise<{ code: string; message: string; status: number | undefined }> {
  const { code, message, status } = await sdkException(p);
  return { code, message, status };
}

/** `gatehouse ARGS` in process against `s`, as `credentials` (default: the root admin), files read from disk; what it printed and its exit status. */
export async function cliAgainst(s: Pick<TestServer, 'url' | 'admin'>, args: string[], credentials: Credentials = s.admin): Promise<{ status: number; out: string; err: string }> {
  const r = await gatehouseInProcess(args, { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, GATEHOUSE_ENDPOINT: s.url });
  return { status: r.code, out: r.stdout, err: r.stderr };
}

/** A new account `id` of `partition` made by `gatehouse accounts create` as the root admin: its admin's access key. */
export async function accountAdmin(s: Pick<TestServer, 'url' | 'admin'>, id: string, partition: 'aws' | 'acs'): Promise<Credentials> {
  const created = await cliAgainst(s, ['accounts', 'create', '--id', id, '--partition', partition, '--json']);
  if (created.status !== 0) throw new Error(`accounts create ${id} exited ${created.status}: ${created.err}`);
  const k = JSON.parse(created.out) as { AccessKeyId: string; SecretAccessKey: string };
  return { accessKeyId: k.AccessKeyId, secretAccessKey: k.SecretAccessKey };
}


/**
 * The audit records matching `filter` (up to 1,000), as the root account's admin reads them, once every queued record
 * is written: what a test of "was this recorded" asks.
 */
export async function auditRecords(server: TestServer, filter: AuditFilter): Promise<readonly AuditRecord[]> {
  const app = server.running.app;
  const root = await app.authenticate(server.admin.accessKeyId);
  if (!root.ok) throw new Error(`the admin's key does not authenticate: ${root.errors[0]?.message ?? ''}`);
  await app.audit.flush();
  const page = await app.audit.query(root.value.caller, filter, 0, 1000);
  if (!page.ok) throw new Error(`audit query refused: ${page.errors[0]?.message ?? ''}`);
  return page.value.records;
}
