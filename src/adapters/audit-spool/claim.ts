/**
 * Claims on the files an earlier process left in `DIR/audit-spool/` (spools, journal segments, pending notes), so that
 * one process appends each. `gatehouse server --workers N` runs N servers on one data dir: each loaded every such file
 * at its start and appended it, the check that one was appended already (its `gatehouse:RecoverAudit` record) being
 * read before the append, in another transaction, so workers recovering at once (the database unreachable at the stop
 * and still at the restart, then back) each appended it: its records were in the chain N times (review mi, 3).
 *
 * A claim is a rename (atomic: of processes renaming one file, one succeeds, the others find it gone) to
 * `<name>.claim-<host>-<pid>-<tag>`, which the loaders' patterns do not match. A claim whose process is gone (not of
 * this host, or its pid not running, or this very pid with a tag this process did not make: the process before this
 * one, as pid 1 in a container) is taken up again at the next load, renamed back to its name; a live one is left to its process.
 */
import { randomBytes } from 'node:crypto';
import { rename, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

const CLAIM = /^(.+)\.claim-([A-Za-z0-9._-]+)-(\d+)-([0-9a-f]{8})$/;

const hostPart = (h: string): string => h.replace(/[^A-Za-z0-9._]+/g, '_');

export interface Claims {
  /**
   * Takes the file at `where` (as loaded) for this process: where it is now, or undefined when another process has it
   * (or it is gone). Taking one this process holds already answers where it is.
   */
  claim(where: string): Promise<string | undefined>;
  /** Gives back a claim of this process: the file is renamed back to its name. */
  unclaim(where: string): Promise<void>;
  /**
   * Renames back to their names, in `all` (the directory's listing, added to), the claims of processes that are gone;
   * those of live processes are left.
   */
  takeUpStale(dir: string, all: string[]): Promise<void>;
}

/** The tags of the claimers this process made: a claim of this pid with another tag is the previous process's. */
const ownTags = new Set<string>();

/** One claimer a spool or journal adapter (each instance of one, in a process that runs several, holds its own). */
export function fileClaims(): Claims {
  const host = hostPart(hostname());
  const tag = randomBytes(4).toString('hex');
  ownTags.add(tag);
  const suffix = `.claim-${host}-${process.pid}-${tag}`;
  return {
    async claim(where) {
      if (where.endsWith(suffix)) return where;
      const to = join(dirname(where), `${basename(where)}${suffix}`);
      try {
        await rename(where, to);
        return to;
      } catch (e) {
        if ((e as { code?: unknown }).code !== 'ENOENT') throw e;
        // Claimed by this process already (an append that failed, tried again), or by another one.
        return (await stat(to).then(() => true, () => false)) ? to : undefined;
      }
    },
    async unclaim(where) {
      if (where.endsWith(suffix)) await rename(where, where.slice(0, -suffix.length));
    },
    async takeUpStale(dir, all) {
      for (const name of [...all]) {
        const m = CLAIM.exec(name);
        if (m === null) continue;
        const [, original, claimHost, pidText, claimTag] = m as unknown as [string, string, string, string, string];
        const pid = Number(pidText);
        const live = claimHost === host && (pid === process.pid ? ownTags.has(claimTag) : alive(pid));
        if (live) continue;
        try {
          await rename(join(dir, name), join(dir, original));
          if (!all.includes(original)) all.push(original);
        } catch (e) {
          // Taken up by another process first.
          if ((e as { code?: unknown }).code !== 'ENOENT') throw e;
        }
      }
    },
  };
}

/** Whether a process of this host is running (signal 0 checks without sending; EPERM: it runs under another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: unknown }).code === 'EPERM';
  }
}
