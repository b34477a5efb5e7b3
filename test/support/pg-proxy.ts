/**
 * A real `gatehouse server` on the test PostgreSQL (a schema of its own), reached through a TCP proxy on 127.0.0.1
 * that a test tells what to break on the wire: the answer of a COMMIT that reached PostgreSQL (the transaction
 * committed, the store never hears it), or a connection cut at a statement. For the reviews of what the server does
 * when its database goes away mid-change (review aa: aa1, aa2, aa3, aa9, aa11; stop 25's edge changes).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditFilter, AuditRecord } from '../../src/core/audit/index.ts';
import { ADMIN_CREDENTIALS_FILE, startServer, type RunningServer } from '../../src/main/server.ts';
import { gatehouseCliInProcess } from './gatehouse-cli.ts';
import type { Run } from './processes.ts';
import { PG_URL, pgAdmin } from './postgres.ts';

/**
 * What the proxy does with a chunk the server sends to PostgreSQL: pass it; cut the connection before it; or pass it
 * (a COMMIT) and drop PostgreSQL's answer to it, then cut.
 */
export type WireAction = 'pass' | 'cut' | 'commit-lost';

/** A fault: per connection, what to do with each chunk (its text, latin1). It fires once: then the proxy passes all. */
export interface Fault {
  connection(): (text: string) => WireAction;
}

/** The simple-query COMMIT the PostgreSQL store sends. */
const COMMIT = /Q\0\0\0\x0bCOMMIT\0/;

/**
 * The COMMIT of the next transaction in which `match` sees a statement reaches PostgreSQL; its answer does not.
 * `readOnly`: whether the transaction began READ ONLY (the store's reads do).
 */
export function commitAnswerLost(match: (text: string, readOnly: boolean) => boolean): Fault {
  return {
    connection() {
      let readOnly = false;
      let seen = false;
      return (text) => {
        if (text.includes('BEGIN')) {
          readOnly = text.includes('READ ONLY');
          seen = false;
        }
        if (match(text, readOnly)) seen = true;
        return seen && COMMIT.test(text) ? 'commit-lost' : 'pass';
      };
    },
  };
}

/** The connection is cut at the first statement `match` sees (it never reaches PostgreSQL). */
export function cutAt(match: (text: string) => boolean): Fault {
  return { connection: () => (text) => (match(text) ? 'cut' : 'pass') };
}

/** A transaction's COMMIT, as `commitAnswerLost` and custom faults see it. */
export const isCommit = (text: string): boolean => COMMIT.test(text);

export interface ProxiedServer {
  readonly running: RunningServer;
  readonly admin: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly account: string };
  /** The fault to apply next (cleared once it has fired). */
  fault: Fault | undefined;
  /** How many times a fault fired. */
  readonly fired: number;
  /**
   * The gatehouse CLI against the server, as its root admin, in this process (test/support/gatehouse-cli.ts): what a
   * command says when the server's commit is lost is the point, not the process.
   */
  cli(args: readonly string[]): Promise<Run>;
  /** The audit log's records matching `filter`, read as the root admin once what is queued is written. */
  records(filter: AuditFilter): Promise<readonly AuditRecord[]>;
  stop(): Promise<void>;
}

/** Starts the proxy and the server behind it, in schema `gh_<name>_<pid>` (dropped first, and at `stop`). */
export async function serverBehindProxy(name: string): Promise<ProxiedServer> {
  const target = new URL(PG_URL);
  const schema = `gh_${name}_${process.pid}`;
  const sockets = new Set<Socket>();
  /** What the test set, and how often it fired (read and written through the accessors below). */
  const state = { fault: undefined as Fault | undefined, fired: 0 };
  const proxy: Server = createServer((client) => {
    const server = connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(server);
    // This connection's handler of the fault set now (a pooled connection outlives faults).
    let handlerOf: Fault | undefined;
    let handler: ((text: string) => WireAction) | undefined;
    let swallow = false;
    const end = (): void => {
      client.destroy();
      server.destroy();
    };
    client.on('data', (b: Buffer) => {
      const fault = state.fault;
      if (fault !== undefined && fault !== handlerOf) {
        handlerOf = fault;
        handler = fault.connection();
      }
      const action = fault !== undefined && handler !== undefined ? handler(b.toString('latin1')) : 'pass';
      if (action !== 'pass') {
        state.fault = undefined;
        state.fired++;
      }
      if (action === 'cut') return end();
      if (action === 'commit-lost') swallow = true;
      server.write(b);
    });
    server.on('data', (b: Buffer) => {
      if (!swallow) return void client.write(b);
      // PostgreSQL answered the COMMIT (it committed): the store never hears it.
      if (b.toString('latin1').includes('COMMIT')) end();
    });
    client.on('error', end).on('close', end);
    server.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const a = proxy.address();
  const url = new URL(PG_URL);
  url.hostname = '127.0.0.1';
  url.port = String(typeof a === 'object' && a !== null ? a.port : 0);
  await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
  const dataDir = await mkdtemp(join(tmpdir(), `gh-${name}-`));
  const running = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => undefined, audit: { maxUnwrittenMs: 30_000 }, databaseUrl: url.toString(), databaseSchema: schema });
  const file = JSON.parse(await readFile(join(dataDir, ADMIN_CREDENTIALS_FILE), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string; AccountId: string };
  const admin = { accessKeyId: file.AccessKeyId, secretAccessKey: file.SecretAccessKey, account: file.AccountId };
  return {
    running,
    admin,
    get fault() {
      return state.fault;
    },
    set fault(f: Fault | undefined) {
      state.fault = f;
    },
    get fired() {
      return state.fired;
    },
    cli: (args: readonly string[]) => gatehouseCliInProcess(args, admin, { endpoint: running.url, home: dataDir }),
    async records(filter: AuditFilter) {
      const app = running.app;
      const root = await app.authenticate(admin.accessKeyId);
      if (!root.ok) throw new Error(`the admin's key does not authenticate: ${root.errors[0]?.message ?? ''}`);
      await app.audit.flush();
      const page = await app.audit.query(root.value.caller, filter, 0, 1000);
      if (!page.ok) throw new Error(`audit query refused: ${page.errors[0]?.message ?? ''}`);
      return page.value.records;
    },
    async stop() {
      await running.stop();
      for (const s of sockets) s.destroy();
      proxy.close();
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A TCP proxy on 127.0.0.1 to the machine's PostgreSQL: `pipe` moves each connection's bytes, client to PostgreSQL and
 * back, as the fault it plays wants; the proxy ends both sides together. `url` is the database's URL through it.
 */
export async function postgresProxy(pipe: (client: Socket, upstream: Socket) => void): Promise<{ url: string; close(): void }> {
  const target = new URL(PG_URL);
  const sockets = new Set<Socket>();
  const proxy = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    pipe(client, upstream);
    const end = (): void => void (client.destroy(), upstream.destroy());
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const url = new URL(PG_URL);
  url.hostname = '127.0.0.1';
  url.port = String((proxy.address() as { port: number }).port);
  return {
    url: url.toString(),
    close() {
      for (const s of sockets) s.destroy();
      proxy.close();
    },
  };
}

/**
 * A TCP proxy to the machine's PostgreSQL that holds every byte, both ways, while frozen (existing connections
 * too): a database host that stops answering (SIGSTOP, a partition that drops packets), then resumes.
 */
export async function freezingProxy(): Promise<{ url: string; freeze(on: boolean): void; close(): void }> {
  let frozen = false;
  const held: (() => void)[] = [];
  const forward = (from: Socket, to: Socket): void => {
    from.on('data', (chunk: Buffer) => {
      if (frozen) held.push(() => to.write(chunk));
      else to.write(chunk);
    });
  };
  const proxy = await postgresProxy((client, upstream) => {
    forward(client, upstream);
    forward(upstream, client);
  });
  return {
    ...proxy,
    freeze(on) {
      frozen = on;
      if (!on) for (const send of held.splice(0)) send();
    },
  };
}
