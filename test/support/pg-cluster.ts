/**
 * A PostgreSQL cluster of a test's own: initdb into a temp dir, its own port, started and stopped with pg_ctl
 * (`stop` is `-m immediate`, as a crash or a lost network would leave it), so that a test can take the database
 * away from a running server and give it back.
 *
 * Unavailable, with the reason, where no PostgreSQL server binaries are installed (initdb/pg_ctl on PATH or under
 * /usr/lib/postgresql/<v>/bin), or when running as root without a `postgres` user to run them as.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './processes.ts';

export interface Cluster {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication: any password is accepted). */
  readonly url: string;
  readonly port: number;
  start(): void;
  stop(): void;
  destroy(): Promise<void>;
  /**
   * A hot standby of this cluster (pg_basebackup -R: streaming, read-only, in recovery until promoted), on a port of
   * its own, started; for tests of a failover. `promote` ends its recovery: it then takes writes.
   */
  standby(): Promise<Cluster & { promote(): void }>;
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

/** A started PostgreSQL cluster of our own, or the reason there cannot be one here. */
export async function ownCluster(): Promise<Cluster | string> {
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
  const controlled = (data: string, port: number, log: string) => {
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      port,
      start: () => run(pgCtl, ['-D', data, '-o', options, '-l', join(dir, log), '-w', '-t', '30', 'start']),
      stop: () => run(pgCtl, ['-D', data, '-m', 'immediate', '-w', '-t', '30', 'stop']),
    };
  };
  const standbys: { destroy(): Promise<void> }[] = [];
  const cluster: Cluster = {
    ...controlled(data, port, 'log'),
    standby: async () => {
      const copy = join(dir, `standby-${standbys.length}`);
      // initdb's trust authentication covers replication connections from 127.0.0.1.
      run(findBin('pg_basebackup') ?? 'pg_basebackup', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-D', copy, '-R', '-X', 'stream']);
      const standby = {
        ...controlled(copy, await freePort(), `standby-${standbys.length}.log`),
        promote: () => run(pgCtl, ['-D', copy, '-w', '-t', '30', 'promote']),
        standby: () => Promise.reject(new Error('a standby of a standby is not made here')),
        destroy: async () => {
          try {
            standby.stop();
          } catch {
            // already stopped
          }
        },
      };
      standbys.push(standby);
      standby.start();
      return standby;
    },
    destroy: async () => {
      for (const s of standbys) await s.destroy();
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

/** Polls `cond` every 50 ms until it holds (a throw counts as not yet); fails naming `what` after `ms`. */
export async function until(what: string, cond: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await Promise.resolve().then(cond).catch(() => false)) return;
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The name of the error `p` rejects with (an SDK's error code), or `no error`. */
export async function errorName(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'no error';
  } catch (e) {
    return (e as { name?: string }).name ?? String(e);
  }
}
