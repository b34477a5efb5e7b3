/**
 * The audit journal (src/app/audit.ts `AuditJournal`): every record that grants or changes access — a session
 * issued, a directory change, a job's submission or end; every kind but decisions — is written to a file in the
 * data dir as it is recorded, before the call that recorded it goes on, so that a hard stop (kill -9, out of
 * memory) loses none of them. The queue still writes them to the chain in batches; once a batch that holds them
 * is committed, their file goes.
 *
 * Files: `DIR/audit-spool/audit-journal-<start>-<instance>-<n>.jsonl`, mode 0600 in the spool's 0700 directory. A
 * first line names the format and the instance; then one line per record in the spool's record form (`toJson`:
 * its time, its fields, its detail already redacted — the journal holds no secret a record would not). Each line
 * is one write(2), without fsync: a record outlives its process, not the machine (the same promise as the
 * database's own commit on a machine that loses power before the page cache is written, which PostgreSQL's
 * fsync covers and this does not). A crash can tear the last line only; a torn last line is skipped and said.
 *
 * The queue ends the current file (`seal`) when it hands the whole queue to the writer, and removes the ended
 * files (`release`) once that batch is committed. Files left by a process that stopped hard are read at the next
 * start (`load`) as spools whose records may already be in the chain: the queue appends only those that are not.
 * A last line cut off (a hard stop mid-write, or the file cut short while the server was stopped) is named in the
 * reason its recovery record carries, and counted (`lost`); one whose newline alone is missing is a whole record.
 *
 * Beside the segments, `audit-journal-<start>-<instance>-pending.jsonl` (`notePending`) holds, while refused
 * authentications left out by the flood limit wait for their summary record (src/app/auth-failures.ts), those
 * summaries as they stand, replaced as they grow (a quarter second at most) and removed once written: a hard stop
 * then loses none of the counts, the next start appends them as it appends a segment's records (review kp2).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, renameSync, unlink, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { readdir, readFile, rename as renameAsync, stat, unlink as unlinkAsync } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { AuditJournal, SpooledRecords } from '../../app/audit.ts';
import type { TimedEvent } from '../../core/audit/index.ts';
import { parseRecord, SPOOL_DIR, STRAY_TMP_MS, toJson } from './index.ts';
import { makeDirectorySync } from '../fs/index.ts';
import { fileClaims } from './claim.ts';

const FORMAT = 'gatehouse-audit-journal';
const NAME = /^audit-journal-[0-9TZ.-]+-[A-Za-z0-9._-]+-(?:\d{6,}|pending)\.jsonl$/;
/** A pending note being written (`notePending`), under the note's name: renamed over it once written. */
const PENDING_TMP = /^(audit-journal-[0-9TZ.-]+-[A-Za-z0-9._-]+-pending\.jsonl)\.tmp$/;
/** Why a journal's records are appended at the next start. */
export const JOURNAL_REASON = 'journaled as they were recorded; the instance stopped before it knew them written (killed or crashed)';
/** Why the records of a `pending` file (`notePending`) are appended at the next start. */
export const PENDING_REASON = 'summaries of refused authentications left out by the flood limit, not yet written when the instance stopped hard (killed or crashed): their counts as noted at most a quarter second before';

export interface FileJournalOptions {
  /** This instance as recorded; default `<hostname>/<pid>` (the pod's name on Kubernetes). */
  readonly instance?: string;
}

export function fileAuditJournal(dataDir: string, options: FileJournalOptions = {}): AuditJournal {
  const dir = join(dataDir, SPOOL_DIR);
  const instance = options.instance ?? `${hostname()}/${process.pid}`;
  // This process's files: a start stamp (names sort by time), the instance and a random tag (another process of the
  // same name, a pid reused after a restart, never takes them for its own).
  const start = new Date().toISOString().replace(/[:]/g, '');
  const tag = `${instance.replace(/[^A-Za-z0-9._-]+/g, '_')}-${randomBytes(4).toString('hex')}`;
  const own = `audit-journal-${start}-${tag}-`;
  const claims = fileClaims();
  const host = hostname();
  let fd: number | undefined;
  let current: string | undefined;
  let n = 0;
  let madeDir = false;
  /** Ended files not yet released, oldest first. */
  const sealed: string[] = [];
  /** The processes the last `load` left segments to (still running then): `released` says when one has ended. */
  let liveOwners = new Set<number>();
  /** Removals of released files still under way: `close` waits for them (review kh, 1). */
  const removing = new Set<Promise<void>>();

  /** Ends the file being written, if any: it joins the ended ones, and the next record starts another. */
  const endSegment = (): void => {
    if (fd !== undefined && current !== undefined) {
      closeSync(fd);
      sealed.push(current);
    }
    fd = undefined;
    current = undefined;
  };

  const writeAll = (f: number, text: string): void => {
    const b = Buffer.from(text, 'utf8');
    for (let off = 0; off < b.length; ) off += writeSync(f, b, off, b.length - off);
  };

  return {
    instance,
    where: dir,

    write(e: TimedEvent): void {
      if (fd === undefined) {
        if (!madeDir) {
          makeDirectorySync(dir, 0o700);
          madeDir = true;
        }
        const name = `${own}${String(n++).padStart(6, '0')}.jsonl`;
        let f: number;
        try {
          f = openSync(join(dir, name), 'wx', 0o600);
        } catch (err) {
          // The directory was removed while the server ran (an operator clearing replayed spools): made again, or
          // every record after it went unjournaled until a restart (review gr, 13).
          if ((err as { code?: unknown }).code !== 'ENOENT') throw err;
          makeDirectorySync(dir, 0o700);
          f = openSync(join(dir, name), 'wx', 0o600);
        }
        try {
          writeAll(f, `${JSON.stringify({ format: FORMAT, version: 1, instance, host, pid: process.pid, opened: new Date().toISOString() })}\n`);
        } catch (err) {
          // A file without its header holds nothing: it goes (a full disk must not leave empty files behind).
          closeSync(f);
          unlink(join(dir, name), () => {});
          throw err;
        }
        fd = f;
        current = name;
      }
      try {
        writeAll(fd, `${line(e)}\n`);
      } catch (err) {
        // A write cut short (a full disk) may have left part of the line: that file ends here, so the part is its
        // last line (skipped when read back) and the next record starts a new file, never after a torn line.
        endSegment();
        throw err;
      }
    },

    seal(): readonly string[] {
      endSegment();
      return [...sealed];
    },

    retain(): void {
      // The segments so far hold a record the queue could not keep: none of them is released by this process, so
      // the next start appends what the chain lacks.
      endSegment();
      sealed.length = 0;
    },

    release(ids: readonly string[]): void {
      for (const id of ids) {
        const i = sealed.indexOf(id);
        if (i !== -1) sealed.splice(i, 1);
        // Not waited for here (a commit does not wait on the disk), but kept: `close` waits for every removal under
        // way, so a clean stop leaves no file. Before, `stop()` resolved with the files still there whenever the
        // thread pool was busy, and a process that exited then left them to be read back at the next start (review
        // kh, 1). A file that stays all the same (a hard stop first) is read at the next start, whose records are
        // found in the chain and not appended again.
        const p: Promise<void> = unlinkAsync(join(dir, id)).then(
          () => void removing.delete(p),
          () => void removing.delete(p),
        );
        removing.add(p);
      }
    },

    notePending(events: readonly TimedEvent[]): void {
      // One file, replaced whole (written aside, then renamed over: a hard stop leaves the old note or the new one,
      // never part of one), or removed once nothing is pending (review kp2).
      const where = join(dir, `${own}pending.jsonl`);
      if (events.length === 0) {
        try {
          unlinkSync(where);
        } catch (e) {
          if ((e as { code?: unknown }).code !== 'ENOENT') throw e;
        }
        return;
      }
      if (!madeDir) {
        makeDirectorySync(dir, 0o700);
        madeDir = true;
      }
      const text = `${JSON.stringify({ format: FORMAT, version: 1, instance, host, pid: process.pid, opened: new Date().toISOString(), pending: true })}\n${events.map((e) => `${line(e)}\n`).join('')}`;
      const aside = `${where}.tmp`;
      writeFileSync(aside, text, { mode: 0o600 });
      renameSync(aside, where);
    },

    async remove(where: string): Promise<void> {
      await unlinkAsync(where);
    },

    claim: (where: string) => claims.claim(where),
    unclaim: (where: string) => claims.unclaim(where),

    async close(): Promise<void> {
      endSegment();
      while (removing.size > 0) await Promise.all([...removing]);
    },

    async load() {
      let all: string[];
      try {
        all = await readdir(dir);
      } catch (e) {
        if ((e as { code?: unknown }).code === 'ENOENT') return { spools: [], unreadable: [] };
        throw e;
      }
      // Segments another process claimed and did not append before it stopped (review mi, 3).
      await claims.takeUpStale(dir, all);
      const strays = await takeUpPendingNotes(dir, own, host, all);
      const names = all.filter((x) => NAME.test(x) && !x.startsWith(own)).sort();
      const spools: SpooledRecords[] = [];
      const unreadable: { where: string; error: string }[] = [];
      const live: string[] = [];
      const owners = new Set<number>();
      for (const name of names) {
        const where = join(dir, name);
        try {
          const text = await readFile(where, 'utf8');
          // Empty, or a header cut short: the process stopped (or the disk filled) before any record: nothing to recover.
          if (!text.includes('\n')) {
            await unlinkAsync(where);
            continue;
          }
          const s = parseJournal(name, where, text, (await stat(where)).mtimeMs);
          // A journal of a process still running on this host (a second server on the same data dir, or the one
          // before this one still draining after SIGTERM) is its own to release: taking it would append its
          // records a second time once it commits them.
          if (s.owner !== undefined && s.owner.host === host && s.owner.pid !== process.pid && alive(s.owner.pid)) {
            live.push(where);
            owners.add(s.owner.pid);
            continue;
          }
          // One that held only lines that cannot be read is still a loss to record (its recovery record says so).
          if (s.events.length === 0 && s.lost === undefined) await unlinkAsync(where);
          else spools.push(s);
        } catch (e) {
          unreadable.push({ where, error: e instanceof Error ? e.message : String(e) });
        }
      }
      liveOwners = owners;
      return { spools, unreadable, ...(live.length > 0 ? { live } : {}), ...(strays.length > 0 ? { strays } : {}) };
    },
    released: () => [...liveOwners].some((pid) => !alive(pid)),
  };
}

/**
 * The pending notes another process wrote aside and never renamed over its note (review lw, 1): killed between the
 * write and the rename, or its write cut short (a full disk). Before, such a file stayed in the spool directory for
 * good, and a first note killed before its rename held the only count of those refusals, never appended. One older
 * than STRAY_TMP_MS (a live writer renames its own in the same call) and not of a process still running on this host:
 * whole (its header and every line read back, the last one ended), it is the newer note and replaces the one it was
 * to replace (`all` then names it); torn, it goes (the note it was to replace, if any, stays: counts a quarter second
 * older at most, as a hard stop leaves them). What was done with each is returned for the log.
 */
async function takeUpPendingNotes(dir: string, own: string, host: string, all: string[]): Promise<{ where: string; what: string }[]> {
  const strays: { where: string; what: string }[] = [];
  for (const name of [...all]) {
    const m = PENDING_TMP.exec(name);
    if (m === null || name.startsWith(own)) continue;
    const where = join(dir, name);
    const to = m[1] as string;
    try {
      if (Date.now() - (await stat(where)).mtimeMs < STRAY_TMP_MS) continue;
      const text = await readFile(where, 'utf8');
      let whole = false;
      try {
        const s = parseJournal(to, join(dir, to), text, 0);
        if (s.owner !== undefined && s.owner.host === host && s.owner.pid !== process.pid && alive(s.owner.pid)) continue;
        whole = text.endsWith('\n') && s.events.length === text.split('\n').length - 2;
      } catch {
        whole = false;
      }
      if (whole) {
        await renameAsync(where, join(dir, to));
        if (!all.includes(to)) all.push(to);
      } else {
        await unlinkAsync(where);
        strays.push({ where, what: 'removed: a note of pending summaries whose write was cut short (its process stopped hard or its disk filled); the note it was to replace, if any, is appended' });
      }
    } catch (e) {
      if ((e as { code?: unknown }).code !== 'ENOENT') strays.push({ where, what: `left where it is: cannot take it up (${e instanceof Error ? e.message : String(e)})` });
    }
  }
  return strays;
}

/**
 * A record's line: the spool's record form (`toJson`), its detail spliced in as the canonical redacted text the
 * queue already wrote, rather than parsed and written again.
 */
function line(e: TimedEvent): string {
  if (e.detailText === undefined) return JSON.stringify(toJson(e));
  const { detail: _, ...fields } = toJson({ at: e.at, event: { ...e.event, detail: {} } });
  const head = JSON.stringify(fields);
  return `${head.slice(0, -1)},"detail":${e.detailText}}`;
}

/**
 * A journal file read back: its header (which names its process: host and pid), then whole lines; a last line
 * without its newline is one a crash cut off (each line is one write) and is skipped, as is any line that cannot
 * be read (counted in the reason). A file whose header is not as written is refused.
 */
export function parseJournal(id: string, where: string, text: string, modifiedMs: number): SpooledRecords & { readonly owner?: { readonly host: string; readonly pid: number } } {
  const lines = text.split('\n');
  // The text after the last newline: '' for a whole file, else a torn line.
  const tail = lines.pop() ?? '';
  const head = lines.shift();
  let header: unknown;
  try {
    header = head === undefined ? undefined : JSON.parse(head);
  } catch {
    header = undefined;
  }
  const h = header as { format?: unknown; version?: unknown; instance?: unknown; host?: unknown; pid?: unknown; pending?: unknown } | undefined;
  if (h === undefined || h === null || h.format !== FORMAT || h.version !== 1 || typeof h.instance !== 'string') throw new Error(`line 1: not a version 1 ${FORMAT} header`);
  // A line that cannot be read (a write cut short by a full disk, in a file written before that closed it) is
  // skipped and counted; every whole line is still recovered.
  const events: TimedEvent[] = [];
  const skipped: number[] = [];
  lines.forEach((line, i) => {
    try {
      events.push(parseRecord(JSON.parse(line) as unknown, i));
    } catch {
      skipped.push(i + 2);
    }
  });
  // A last line without its newline: whole when only the newline was cut (it is recovered as any line); else the record
  // it held is lost, and said so — it was skipped without a word, and a segment holding only it was removed as empty,
  // leaving no trace of a session or change the journal was there to keep (review qg, 2).
  let torn: { line: number; bytes: number } | undefined;
  if (tail !== '') {
    try {
      events.push(parseRecord(JSON.parse(tail) as unknown, lines.length));
    } catch {
      torn = { line: lines.length + 2, bytes: Buffer.byteLength(tail) };
    }
  }
  const owner = typeof h.host === 'string' && typeof h.pid === 'number' ? { host: h.host, pid: h.pid } : undefined;
  const why = h.pending === true ? PENDING_REASON : JOURNAL_REASON;
  const said = [
    why,
    ...(skipped.length === 0 ? [] : [`line(s) ${skipped.join(', ')} could not be read and were skipped`]),
    ...(torn === undefined ? [] : [`its last line, line ${torn.line} (${torn.bytes} byte(s), no newline), was cut off — the process stopped while writing it, or the file was cut short since — and the record it held cannot be recovered: it is lost unless its batch was written before the stop`]),
  ];
  const lost = skipped.length + (torn === undefined ? 0 : 1);
  return { id, where, instance: h.instance, spooledAt: modifiedMs, reason: said.join('; '), events, mayBeWritten: true, ...(lost > 0 ? { lost } : {}), ...(owner !== undefined ? { owner } : {}) };
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
