/**
 * A real `gatehouse server` process on the test PostgreSQL (a schema of its own, dropped before and after) behind a TCP
 * proxy that, once armed, lets the COMMIT of one marked transaction and its answer through and then holds every byte
 * both ways (the database stops answering); the test SIGKILLs the process while it waits on the database, and a second
 * start on the same data dir and schema, straight on PG_URL, shows what survived. For the reviews of what a hard crash
 * right after a commit loses (review iw, 3 to 8: a change journaled before the reload that follows its commit).
 * The second start is in this process (test/support/server-in-process.ts: what `gatehouse server` runs, with the same
 * settings and environment): the crash is the first one's, and what survived is only read through HTTP; a process
 * more cost about a second of CPU a test.
 *
 *   const world = commitFreezeWorld('iw3');
 *   before(() => world.open());
 *   after(() => world.close());
 *   …
 *   const first = await world.start(world.proxyUrl);   // world.admin: the root admin's keys from then on
 *   world.arm((text) => text.includes('iw3-user'));    // the marker: a client packet naming the change
 *   const pending = doTheChange(first.url).catch((e: unknown) => e);
 *   assert.equal(await world.waitFrozen(), 'frozen', '…');
 *   await world.killHard(first);
 *   await pending;
 *   second = await world.restart();                     // the database answers again
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { isCommit, postgresProxy } from './pg-proxy.ts';
import { pgAdmin, PG_URL } from './postgres.ts';
import { serverProcess, type Keys, type ServerProcess } from './processes.ts';
import { serverInProcess } from './server-in-process.ts';
import { settled, SETTLE_MS } from './settle.ts';

/** `pass`; `armed`: after the COMMIT of the marked transaction is answered, hold everything; `frozen`. */
export type FreezeMode = 'pass' | 'armed' | 'frozen';

export interface ArmOptions {
  /**
   * Mark only in transactions that did not begin READ ONLY, and forget the mark at the next BEGIN: the write, not the
   * reads before it (which may name what it changes too).
   */
  readonly writesOnly?: boolean;
}

/** The second start (`restart`): a server in this process, on the same data dir and schema; stopped at `close`. */
export interface RestartedServer {
  readonly url: string;
  /** Every line it logged so far. */
  readonly output: string[];
}

export interface CommitFreezeWorld {
  /** The server's data dir (made at `open`, removed at `close`). */
  readonly dataDir: string;
  /** The proxy's URL to PostgreSQL (known after `open`). */
  readonly proxyUrl: string;
  /** The root admin's keys, read from the data dir's admin-credentials.json at the first `start` (empty before). */
  readonly admin: Keys;
  /** The proxy's state now. */
  readonly mode: FreezeMode;
  /** Drops the schema, makes the data dir, starts the proxy. In `before`. */
  open(): Promise<void>;
  /** A server on the data dir and schema, on the database at `url` (the proxy's, or PG_URL). */
  start(url: string): Promise<ServerProcess>;
  /**
   * From now on, a client packet in which `marks` sees the change (and that is not a write of the audit log) marks its
   * transaction; once the answer to that transaction's COMMIT has passed, the proxy holds every byte.
   */
  arm(marks: (text: string) => boolean, opts?: ArmOptions): void;
  /**
   * Waits for the proxy to freeze, to a bound of time (settle.ts SETTLE_MS), not a count of tries; the mode then
   * (`frozen` unless the marked change never committed).
   */
  waitFrozen(): Promise<FreezeMode>;
  /**
   * Whatever the server does at once with a committed change: half a second, and until the journal
   * (DIR/audit-spool/audit-journal-*.jsonl) holds a record more than when `arm` was called (to settle.ts SETTLE_MS at
   * most: on a loaded machine the server may take longer than half a second to get there, and a fixed wait then killed
   * it first); then SIGKILL, and its exit. A server that never journals the change is killed after that bound and the
   * test fails as it should. The half second is a fixed wait on purpose, not a wait for a condition: the time the
   * server is given to do what it would at once, whatever that is, before the poll on the journal.
   */
  killHard(server: ServerProcess): Promise<void>;
  /**
   * The database answers again (what was held is dropped); a second server on the same data dir and schema, on PG_URL,
   * in this process.
   */
  restart(): Promise<RestartedServer>;
  /** Kills what still runs, closes the proxy, drops the schema, removes the data dir. In `after`. */
  close(): Promise<void>;
}

/** Record lines in the data dir's journal segments (each file's first line names its format; pending notes aside). */
function journalLines(dataDir: string): number {
  const dir = join(dataDir, 'audit-spool');
  let n = 0;
  for (const f of existsSync(dir) ? readdirSync(dir) : []) {
    if (!/^audit-journal-.*\d\.jsonl$/.test(f)) continue;
    let text = '';
    try {
      text = readFileSync(join(dir, f), 'utf8');
    } catch {
      continue; // released (removed) meanwhile
    }
    n += text.split('\n').filter((l) => l !== '' && !l.startsWith('{"format":')).length;
  }
  return n;
}

/** The world of test `name` (`iw3`): schema `gh_audit_<name>_<pid>`. `s3`: the server's S3 gateway on too. */
export function commitFreezeWorld(name: string, opts: { s3?: boolean } = {}): CommitFreezeWorld {
  const schema = `gh_audit_${name}_${process.pid}`;
  let dataDir = '';
  let mode: FreezeMode = 'pass';
  let marks: (text: string) => boolean = () => false;
  let writesOnly = false;
  /** The journal's record lines when `arm` was called (`journalLines`). */
  let armedLines = 0;
  const held: (() => void)[] = [];
  let proxy: Awaited<ReturnType<typeof postgresProxy>> | undefined;
  const servers: ServerProcess[] = [];
  const restarted: { stop(): Promise<void> }[] = [];
  let admin: Keys = { accessKeyId: '', secretAccessKey: '' };
  const env = { GATEHOUSE_DATABASE_SCHEMA: schema, GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64'), HOME: process.env['HOME'] ?? tmpdir() };
  const listeners = { listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: opts.s3 === true ? '127.0.0.1:0' : 'off' };

  const start = async (url: string): Promise<ServerProcess> => {
    const s = await serverProcess(['--data-dir', dataDir, '--listen', listeners.listen, '--agent-listen', listeners.agentListen, '--s3-listen', listeners.s3Listen], { ...env, GATEHOUSE_DATABASE_URL: url });
    servers.push(s);
    if (admin.accessKeyId === '') {
      const file = JSON.parse(await readFile(join(dataDir, 'admin-credentials.json'), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
      admin = { accessKeyId: file.AccessKeyId, secretAccessKey: file.SecretAccessKey };
    }
    return s;
  };

  return {
    get dataDir() {
      return dataDir;
    },
    get proxyUrl() {
      return proxy?.url ?? '';
    },
    get admin() {
      return admin;
    },
    get mode() {
      return mode;
    },
    async open() {
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
      dataDir = await mkdtemp(join(tmpdir(), `gh-audit-${name}-`));
      proxy = await postgresProxy((client: Socket, upstream: Socket) => {
        let marked = false;
        let readOnly = false;
        let commitSent = false;
        client.on('data', (b: Buffer) => {
          if (mode === 'frozen') return void held.push(() => upstream.write(b));
          const text = b.toString('latin1');
          if (text.includes('BEGIN')) {
            readOnly = text.includes('READ ONLY');
            if (writesOnly) marked = false;
          }
          if (mode === 'armed' && !(writesOnly && readOnly) && marks(text) && !text.includes('audit_log')) marked = true;
          if (marked && isCommit(text)) commitSent = true;
          upstream.write(b);
        });
        upstream.on('data', (b: Buffer) => {
          if (mode === 'frozen') return void held.push(() => client.write(b));
          client.write(b);
          // The change committed and the server has the answer: from here on the database answers nothing.
          if (commitSent && b.toString('latin1').includes('COMMIT')) mode = 'frozen';
        });
      });
    },
    start,
    arm(m, o = {}) {
      marks = m;
      writesOnly = o.writesOnly === true;
      mode = 'armed';
      armedLines = journalLines(dataDir);
    },
    async waitFrozen() {
      return settled(async () => mode, (m) => m === 'frozen', SETTLE_MS, 10);
    },
    async killHard(server) {
      // A fixed wait on purpose (see the interface): the server's own time, not a condition polled.
      await new Promise((r) => setTimeout(r, 500));
      await settled(async () => journalLines(dataDir), (n) => n > armedLines, SETTLE_MS, 50);
      const exited = new Promise((r) => server.child.once('exit', r));
      server.child.kill('SIGKILL');
      await exited;
    },
    async restart() {
      // The held bytes go with the connections of the killed process.
      held.length = 0;
      mode = 'pass';
      // As `start` runs `gatehouse server`: its options, and exactly its environment (PATH and `env`).
      const s = await serverInProcess({ dataDir, ...listeners, env: { ...env, GATEHOUSE_DATABASE_URL: PG_URL } });
      restarted.push(s);
      return s;
    },
    async close() {
      for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
      for (const r of restarted.splice(0)) await r.stop().catch(() => undefined);
      proxy?.close();
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
      if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
    },
  };
}
