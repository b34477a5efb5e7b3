/**
 * Backup and restore of the SQLite store in a data dir (`gatehouse server backup` and `restore`).
 *
 * - A backup is SQLite's online backup (`node:sqlite` `backup()`) of `gatehouse.db` read inside one read transaction:
 *   in WAL mode that is one snapshot, taken while a server runs and writes (its writers are never blocked, and the copy
 *   is never restarted by their commits, which a backup without the transaction would be, page after page). It goes to a
 *   private temporary file beside the target, is turned into a single file (rollback journal, so no `-wal` belongs to
 *   it), checked, flushed, then linked in (renamed over the target only with `force`).
 * - A restore refuses while any connection holds the data dir's database (a server, every `--workers` process, a
 *   `sqlite3` session): that is SQLite's own lock, the one a connection in WAL mode holds for as long as it is open; it
 *   is taken exclusively for the time of the check. The backup is checked (a Gatehouse store of a schema this build
 *   knows, whole, sealed under the master key the data dir's server will be given) before anything in the data dir is
 *   touched, and the file it replaces is renamed aside, never deleted.
 *
 * Nothing here reads or prints a secret: the master key is named by its id (an HMAC of it, src/adapters/crypto), the
 * sealed values are only matched for that id.
 */
import { DatabaseSync, backup as sqliteBackup } from 'node:sqlite';
import { randomBytes } from 'node:crypto';
import { closeSync, constants, existsSync, lstatSync, openSync, readlinkSync, readSync, realpathSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { chmod, chown, copyFile, link as hardLink, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { SQLITE_MIGRATIONS } from './migrations.ts';
import { SQLITE_FILE_NAME } from './store.ts';
import { MASTER_KEY_ENV, MASTER_KEY_FILE_NAME, parseMasterKey } from '../crypto/index.ts';
import { readSmallFile } from '../fs/index.ts';
import { SPOOL_DIR } from '../audit-spool/index.ts';
import { KEYED_NOTE_FILE } from '../audit-spool/keyed-note.ts';

/** The root admin's credentials the server writes in the data dir for an empty store (src/main/server.ts). */
const ADMIN_CREDENTIALS_FILE = 'admin-credentials.json';

/** Why a backup or a restore was refused; each is a row of docs/errors.md ("Backup and restore"). */
export type BackupFailureCode = 'PostgresStore' | 'NoStore' | 'NotAGatehouseStore' | 'BackupExists' | 'StoreInUse' | 'MasterKeyMismatch' | 'UnwritableFile';

export type BackupResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly code: BackupFailureCode; readonly message: string };

const failure = (code: BackupFailureCode, message: string): { ok: false; code: BackupFailureCode; message: string } => ({ ok: false, code, message });

/** What a store file holds, as far as a backup or a restore needs to say. */
export interface StoreFacts {
  /** The highest migration recorded. */
  readonly version: number;
  /** The change head: the sequence number of the last change committed. */
  readonly changeHead: number;
  /** The ids of the master keys its sealed values (key ring, access keys) were sealed under. */
  readonly masterKeyIds: readonly string[];
  readonly bytes: number;
}

/** The data dir's parts a backup does not hold, found there (for what to keep alongside). */
export interface Beside {
  /** `DIR/master.key` when it exists, with its id; undefined when the server is given its key otherwise. */
  readonly masterKeyFile?: { readonly path: string; readonly id: string | undefined };
  readonly adminCredentials?: string;
  /** `DIR/objects` (the S3 gateway's) and the number of buckets in it. */
  readonly objects?: { readonly path: string; readonly buckets: number };
  /** `DIR/audit-spool` and the number of files in it (records not yet in the audit log). */
  readonly auditSpool?: { readonly path: string; readonly files: number };
}

export interface BackupOptions {
  readonly dataDir: string;
  readonly to: string;
  readonly force?: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Told how far the copy is, now and then (pages copied of all); for a line on stderr. */
  readonly progress?: (copied: number, total: number) => void;
  /** The CLI's `onInterrupt`: the partial copy is removed when a signal ends the process mid-backup. */
  readonly onInterrupt?: Interrupts;
  /**
   * Makes `newPath` a hard link of `existing`, refusing (EEXIST) when `newPath` exists: `link` of node:fs/promises. A
   * test gives the refusal of a file system without hard links (FAT, exFAT, some network and FUSE mounts) here.
   */
  readonly link?: (existing: string, newPath: string) => Promise<void>;
}

/**
 * What link(2) says on a file system that has no hard links: EPERM (FAT, exFAT: "the file system does not support
 * hard links"), ENOTSUP / EOPNOTSUPP, ENOSYS (some network and FUSE mounts). The temporary file is this process's own,
 * so EPERM cannot be the kernel's protected_hardlinks.
 */
const NO_HARD_LINKS: ReadonlySet<string> = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/**
 * Hears a signal (SIGINT, SIGTERM, SIGHUP) that is about to end the process: `say` runs at once and synchronously, its
 * text written to stderr, then the process dies of the signal, no `finally` run. Returns its release.
 */
export type Interrupts = (say: (signal: string) => string) => () => void;

/** A temporary file and SQLite's journals of it, removed at once (in a signal's listener: nothing awaited). */
function removeNow(tmp: string): void {
  for (const f of [tmp, `${tmp}-journal`, `${tmp}-wal`, `${tmp}-shm`]) {
    try {
      unlinkSync(f);
    } catch {
      // Not there (never made, or already linked in and removed).
    }
  }
}

/** One file removed at once, if it is there (`removeNow` would take journals of `path` that are not this process's). */
function removeFileNow(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Not there.
  }
}

export interface BackupDone {
  readonly file: string;
  readonly to: string;
  readonly facts: StoreFacts;
  readonly beside: Beside;
}

/** The text of a PostgreSQL refusal: its store is backed up with its own tools. */
const POSTGRES = (verb: 'backup' | 'restore'): string =>
  `GATEHOUSE_DATABASE_URL is set: this deployment keeps its store in PostgreSQL, not in the data dir; ${verb === 'backup' ? 'back it up with pg_dump (pg_dump --format=custom, against the database GATEHOUSE_DATABASE_URL names; the schema GATEHOUSE_DATABASE_SCHEMA names when set)' : 'restore it with pg_restore (or psql for a plain dump) into the database GATEHOUSE_DATABASE_URL names, with every server stopped or as docs/decisions.md says running servers take it'}, and keep the master key beside it; unset the variable to ${verb} the SQLite store of --data-dir`;

/** `gatehouse server backup`: a consistent copy of `DIR/gatehouse.db` at `to`, while a server may run on it. */
export async function backupSqliteStore(options: BackupOptions): Promise<BackupResult<BackupDone>> {
  if (usesPostgres(options.env)) return failure('PostgresStore', POSTGRES('backup'));
  const dataDir = resolve(options.dataDir);
  const file = join(dataDir, SQLITE_FILE_NAME);
  const unusableDataDir = unusablePath('--data-dir', dataDir) ?? unusablePath('--data-dir', file);
  if (unusableDataDir !== undefined) return failure('NoStore', unusableDataDir);
  const unusableTo = unusablePath('--to', resolve(options.to));
  if (unusableTo !== undefined) return failure('UnwritableFile', unusableTo);
  if (!isFile(file)) {
    return failure('NoStore', `\`${dataDir}\` holds no Gatehouse store (no ${SQLITE_FILE_NAME}): give the --data-dir the server runs with`);
  }
  const to = resolve(options.to);
  if (sameFileAs(to, file)) return failure('UnwritableFile', `--to \`${to}\` is the store itself: give a file outside the data dir`);
  const owned = ownedByServer(dataDir, to);
  if (owned !== undefined) return failure('UnwritableFile', `--to \`${to}\` is ${owned}: a backup there would replace it, --force or not; give a path outside the data dir`);
  const other = ofAnotherStore(dataDir, to);
  if (other !== undefined) return failure('UnwritableFile', `--to \`${to}\` is ${other}: a backup there would replace it under the server that may run on it, --force or not; to put a backup in place of another data dir's store, run \`gatehouse server restore --data-dir DIR --from BACKUP\` with its servers stopped, or give a path outside the data dir`);
  if (statSync(to, { throwIfNoEntry: false })?.isDirectory() === true) return failure('UnwritableFile', `--to \`${to}\` is a directory: give the backup file's path (such as ${join(to, 'gatehouse-backup.db')})`);
  const where = unusableDirectoryOf(to);
  if (where !== undefined) return failure('UnwritableFile', where);
  const special = noFileAt(to);
  if (special !== undefined) return failure('UnwritableFile', special);
  if (existsSync(to) && options.force !== true) {
    return failure('BackupExists', `\`${to}\` exists: give another --to, or --force to replace it (it is replaced only once the new backup is whole)`);
  }
  let source: DatabaseSync;
  try {
    // Read-write, as sqlite3 opens it: a read-only connection to a WAL database may be refused its shared memory. Nothing
    // is written through it.
    source = new DatabaseSync(file, { timeout: 5000 });
  } catch (e) {
    return failure('NotAGatehouseStore', `\`${file}\` cannot be opened: ${messageOf(e)}`);
  }
  const tmp = join(dirname(to), `.${shortened(basename(to), 200)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let made = false;
  let placed = false;
  // A copy being made at `to` itself (a file system without hard links): removed too when it fails or a signal comes.
  let copyingTo = false;
  let release: (() => void) | undefined;
  try {
    const facts = inspect(source, file);
    if (!facts.ok) return facts;
    // Ctrl-C or a SIGTERM ends the process without running the `finally` below: the partial copy (every record of the
    // store, under a hidden name) was left beside --to for good. A backup leaves the whole file or nothing. Heard from
    // before the file is made: the name is this process's own (its pid and random bytes).
    release = options.onInterrupt?.((signal) => {
      removeNow(tmp);
      if (copyingTo) removeFileNow(to);
      return placed
        ? `gatehouse server backup: interrupted (${signal}) once the backup was whole: it is at ${to}\n`
        : `gatehouse server backup: interrupted (${signal}): no backup written (its partial copy was removed${options.force === true && existsSync(to) ? `; \`${to}\` is left as it was` : ''}); run the command again\n`;
    });
    // Created private first: the copy holds every record (secrets only sealed, but hashes, names, the audit log).
    try {
      made = true;
      await (await open(tmp, 'wx', 0o600)).close();
    } catch (e) {
      made = false;
      return failure('UnwritableFile', `cannot write beside \`${to}\`: ${unwritableDirectoryWords(e, dirname(to))}`);
    }
    // One read transaction around the whole copy: one snapshot however many steps the copy takes, and no restart when a
    // server commits meanwhile (a copy outside one restarts at every commit of another connection).
    source.exec('BEGIN');
    try {
      source.prepare('SELECT count(*) FROM sqlite_master').get();
      await sqliteBackup(source, tmp, { rate: 1024, progress: ({ totalPages, remainingPages }) => options.progress?.(totalPages - remainingPages, totalPages) });
    } finally {
      source.exec('ROLLBACK');
    }
    const copy = new DatabaseSync(tmp);
    // What the command says of the backup is read from it: the live store's facts, read before the snapshot was taken,
    // named a change head (or no master key yet) that a server's commit in between had left behind (review si, 3).
    let written: Omit<StoreFacts, 'bytes'>;
    try {
      // A single file: the copy carries the live file's WAL mode in its header, and a WAL file beside a backup is a
      // backup in two parts.
      copy.exec('PRAGMA journal_mode = DELETE');
      const check = inspect(copy, to);
      if (!check.ok) return failure('UnwritableFile', `the copy written to \`${tmp}\` does not read back as the store: ${check.message}`);
      written = check.value;
    } finally {
      copy.close();
    }
    await flush(tmp);
    if (options.force === true) {
      await rename(tmp, to);
      placed = true;
    } else {
      // Linked, not renamed: a file made at `to` since the check is never replaced.
      const exists = (): BackupResult<never> => failure('BackupExists', `\`${to}\` exists: give another --to, or --force to replace it`);
      try {
        await (options.link ?? hardLink)(tmp, to);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') return exists();
        if (code === undefined || !NO_HARD_LINKS.has(code)) return failure('UnwritableFile', `cannot write the backup to \`${to}\`: ${unwritableDirectoryWords(e, dirname(to))}`);
        // No hard links on this file system (a FAT or exFAT USB disk, some network mounts): the backup failed naming
        // the hidden temporary file with EPERM. Copied instead into a file created at `to` only if none is there
        // (still never replacing one made meanwhile), flushed, removed again if the copy fails or a signal comes.
        try {
          copyingTo = true;
          await copyFile(tmp, to, constants.COPYFILE_EXCL);
          await flush(to);
        } catch (copyError) {
          if ((copyError as NodeJS.ErrnoException).code === 'EEXIST') {
            copyingTo = false;
            return exists();
          }
          removeFileNow(to);
          copyingTo = false;
          const words = unwritableDirectoryWords(copyError, dirname(to));
          return failure('UnwritableFile', `cannot write the backup to \`${to}\` (its file system has no hard links, ${code}, so the backup was copied there, and the copy failed): ${words}`);
        }
        copyingTo = false;
      }
      placed = true;
      await unlink(tmp);
    }
    made = false;
    await flushDirectory(dirname(to));
    return { ok: true, value: { file, to, facts: { ...written, bytes: statSync(to).size }, beside: await besideOf(dataDir) } };
  } catch (e) {
    return failure('UnwritableFile', `cannot write the backup to \`${to}\`: ${messageOf(e)}`);
  } finally {
    source.close();
    if (made) removeNow(tmp);
    release?.();
  }
}

export interface RestoreOptions {
  readonly dataDir: string;
  readonly from: string;
  /** The master key file the data dir's server is given (`--master-key-file`); else GATEHOUSE_MASTER_KEY, else DIR/master.key. */
  readonly masterKeyFile?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The instant, for the name the replaced file is kept under. */
  readonly now: () => number;
  /** The CLI's `onInterrupt`: the copy of --from is removed when a signal ends the process before the swap. */
  readonly onInterrupt?: Interrupts;
}

export interface RestoreDone {
  readonly file: string;
  readonly from: string;
  readonly facts: StoreFacts;
  /** The file `file` links to, written in its place (the link kept); undefined when `file` is no symlink. */
  readonly linkedTo?: string;
  /** Where the file it replaced was kept; undefined when the data dir had none. */
  readonly keptAside?: string;
  /**
   * With no store in the data dir, its journals found there (`-wal`, `-shm`, `-journal`: those of a store moved away,
   * a killed server's last commits) and where they were moved, never read into the restored store.
   */
  readonly journalsAside?: readonly string[];
  /** Whether the data dir holds an admin-credentials.json (the server writes one only for an empty store). */
  readonly adminCredentials: boolean;
}

/** `gatehouse server restore`: `from` in place of `DIR/gatehouse.db`, with no server running on it. */
export async function restoreSqliteStore(options: RestoreOptions): Promise<BackupResult<RestoreDone>> {
  if (usesPostgres(options.env)) return failure('PostgresStore', POSTGRES('restore'));
  const dataDir = resolve(options.dataDir);
  const file = join(dataDir, SQLITE_FILE_NAME);
  const from = resolve(options.from);
  const unusableFrom = unusablePath('--from', from);
  if (unusableFrom !== undefined) return failure('NotAGatehouseStore', unusableFrom);
  const unusableDataDir = unusablePath('--data-dir', dataDir) ?? unusablePath('--data-dir', file);
  if (unusableDataDir !== undefined) return failure('NoStore', unusableDataDir);
  if (!isFile(from)) return failure('NotAGatehouseStore', `--from \`${from}\` ${existsSync(from) ? 'is not a file' : 'does not exist'}`);
  if (sameFileAs(from, file)) return failure('NotAGatehouseStore', `--from \`${from}\` is the data dir's store itself: give the backup's file`);
  const short = await cutShort(from);
  if (short !== undefined) return failure('NotAGatehouseStore', short);
  if (statSync(`${from}-wal`, { throwIfNoEntry: false })?.size) {
    return failure('NotAGatehouseStore', `\`${from}-wal\` is beside --from: part of the backup's data is in it, and a restore of the file alone would lose it; make the backup with \`gatehouse server backup\` (one file), or open it once with sqlite3 with nothing else using it (which folds the WAL in)`);
  }
  if (!existsSync(dataDir)) return failure('NoStore', `--data-dir \`${dataDir}\` does not exist: create it (mode 0700) with the master key in it, or give the server's data dir`);
  // The file the store is: DIR/gatehouse.db, or the file it links to (a store kept on another disk).
  const linked = storeFileOf(file);
  if (!linked.ok) return linked;
  const store = linked.value;
  // A copy beside the store, checked before anything of the data dir is touched; renamed in at the end (one file system).
  const tmp = join(dirname(store), `.${SQLITE_FILE_NAME}.restoring.${process.pid}.${randomBytes(6).toString('hex')}`);
  let made = false;
  let swapped = false;
  // A signal before the swap leaves the data dir as it was: the copy of --from (every record of the backup, under a
  // hidden name in the data dir) was left there for good, as a `finally` is not run when a signal ends the process.
  const release = options.onInterrupt?.((signal) => {
    if (made) removeNow(tmp);
    return swapped
      ? `gatehouse server restore: interrupted (${signal}) once the backup was in place: ${file} is the restored store\n`
      : `gatehouse server restore: interrupted (${signal}): nothing restored, the data dir's store is as it was\n`;
  });
  try {
    try {
      made = true;
      await copyFile(from, tmp, constants.COPYFILE_EXCL);
      await chmod(tmp, 0o600);
      await ownAs(tmp, store);
    } catch (e) {
      return failure('UnwritableFile', `cannot copy --from \`${from}\` into \`${dirname(store)}\`: ${messageOf(e)}`);
    }
    let facts: BackupResult<Omit<StoreFacts, 'bytes'>>;
    try {
      const copy = new DatabaseSync(tmp);
      try {
        facts = inspect(copy, from);
        if (facts.ok) copy.exec('PRAGMA journal_mode = DELETE');
      } finally {
        copy.close();
      }
    } catch (e) {
      facts = failure('NotAGatehouseStore', `\`${from}\` is not a Gatehouse store: ${messageOf(e)}`);
    }
    if (!facts.ok) return facts;
    const key = await masterKeyId(dataDir, options);
    if (!key.ok) return key;
    const sealedUnder = facts.value.masterKeyIds;
    if (sealedUnder.length > 0 && (key.value === undefined || !sealedUnder.includes(key.value.id))) {
      const want = sealedUnder.map((id) => `\`${id}\``).join(', ');
      return failure(
        'MasterKeyMismatch',
        key.value === undefined
          ? `the backup's secrets are sealed under master key ${want}, and the data dir has no master key (no ${MASTER_KEY_FILE_NAME}, no ${MASTER_KEY_ENV}, no --master-key-file): a server started on it would make a new one, and nothing sealed in the backup would open; put the master key kept with the backup at \`${join(dataDir, MASTER_KEY_FILE_NAME)}\` (mode 0600), or give it as the server will be given it, then restore`
          : `the backup's secrets are sealed under master key ${want}, but the master key of this data dir (${key.value.source}) is \`${key.value.id}\`: nothing sealed in the backup would open; give the master key kept with the backup (as the server will be given it: --master-key-file, ${MASTER_KEY_ENV}, or ${MASTER_KEY_FILE_NAME} in the data dir)`,
      );
    }
    await flush(tmp);
    // From the lock's check to the restored file in place, nothing is awaited: no signal's listener runs in between (a
    // SIGTERM heard between the renames, while the copy was flushed, left a data dir with no store, where the next
    // start makes an empty one), and no server's start comes between the check and the swap in this process's turn.
    const held = holdsLock(store);
    if (held !== undefined) return failure('StoreInUse', held);
    // The store it replaces, and its journal files, renamed aside, never deleted. Not the newest: a restore is undone by
    // renaming the file back.
    let keptAside: string | undefined;
    // SQLite reads a `-wal` (or `-journal`) beside a file as that file's, whatever file it is: one left behind by a
    // killed server whose store was then moved away by hand was replayed into the restored store, which served the old
    // store's last pages over the backup's (sqlite.org/howtocorrupt.html 2.4, a database paired with another's journal).
    // A journal is moved with its store; one beside no store is moved aside too (review sq, 1).
    // A symlinked store is replaced where it is, the link kept: the link was renamed aside and the backup written in its
    // place, on the data dir's disk rather than the one the operator had put the store on (review sq, 3).
    const journals = JOURNAL_SUFFIXES.filter((suffix) => existsSync(`${store}${suffix}`));
    let journalsAside: string[] | undefined;
    if (existsSync(store) || journals.length > 0) {
      keptAside = asideName(`${store}.replaced-${stamp(options.now())}`);
      if (existsSync(store)) renameSync(store, keptAside);
      else journalsAside = journals.map((suffix) => `${keptAside}${suffix}`);
      for (const suffix of journals) renameSync(`${store}${suffix}`, `${keptAside}${suffix}`);
    }
    renameSync(tmp, store);
    made = false;
    swapped = true;
    await flushDirectory(dirname(store));
    return { ok: true, value: { file, ...(store !== file ? { linkedTo: store } : {}), from, facts: { ...facts.value, bytes: statSync(file).size }, ...(keptAside !== undefined ? (journalsAside !== undefined ? { journalsAside } : { keptAside }) : {}), adminCredentials: existsSync(join(dataDir, ADMIN_CREDENTIALS_FILE)) } };
  } catch (e) {
    return failure('UnwritableFile', `cannot restore into \`${dataDir}\`: ${messageOf(e)}`);
  } finally {
    if (made) removeNow(tmp);
    release?.();
  }
}

/**
 * The file a restore writes for `file`: itself, or the file a symlink there names (its real path; or, when the link
 * names no file yet, that name in its real directory), so that the link is kept and the store stays on the disk it was
 * put on. A link whose directory is not there (a disk not mounted) is refused: the backup would have been written on
 * the data dir's disk in its place, and the link lost.
 */
function storeFileOf(file: string): BackupResult<string> {
  if (lstatSync(file, { throwIfNoEntry: false })?.isSymbolicLink() !== true) return { ok: true, value: file };
  try {
    return { ok: true, value: realpathSync(file) };
  } catch {
    // No file at the end of the link.
  }
  const target = resolve(dirname(file), readlinkSync(file));
  const dir = realDirOf(dirname(target));
  if (dir === undefined || lstatSync(target, { throwIfNoEntry: false }) !== undefined) {
    return failure('UnwritableFile', `\`${file}\` is a symlink to \`${target}\`, ${dir === undefined ? 'whose directory is not there (a disk not mounted?)' : 'a link that leads to no file'}: mount or create it, or replace the link by the store's file, then restore; the backup is written where the link leads, the link kept`);
  }
  return { ok: true, value: join(dir, basename(target)) };
}

/**
 * Run as root (`sudo gatehouse server restore`), the copy is given the owner of the store it replaces (of its directory
 * when there is none): it was root's, mode 0600, and the server, run as its own user, could not open the store it had
 * been told was restored ("unable to open database file"; review sq, 4). SQLite does the same for the journals it makes
 * as root (os_unix.c, robustFchown). Not root, a process can give a file to no one else; a file system without owners
 * refuses, and the copy is left as it is.
 */
async function ownAs(copy: string, store: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const like = (await stat(store).catch(() => undefined)) ?? (await stat(dirname(store)).catch(() => undefined));
  if (like === undefined || (like.uid === 0 && like.gid === 0)) return;
  await chown(copy, like.uid, like.gid).catch(() => undefined);
}

/**
 * Why the store at `file` cannot be taken now (a connection of another process holds it: a server), or undefined when
 * it is free (or not there). Taken exclusively and let go at once: a connection in WAL mode holds its shared lock for
 * as long as it is open, idle or not. Closing this connection, the last, folds the WAL into the file (what a stopped
 * server's file lacked, if it was killed) before the file is renamed aside.
 */
function holdsLock(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(file, { timeout: 0 });
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
    return undefined;
  } catch (e) {
    const code = Number((e as { errcode?: unknown }).errcode) & 0xff;
    // SQLITE_BUSY, SQLITE_LOCKED: held. Anything else (a damaged file, not a database): the file is replaced anyway.
    if (code === 5 || code === 6) {
      return `\`${file}\` is open in another process (a gatehouse server on this data dir, one of its --workers, a sqlite3 session): stop every server on the data dir, then restore; a store replaced under a running server is refused by it until it restarts, and what it wrote meanwhile is lost`;
    }
    return undefined;
  } finally {
    db?.close();
  }
}

/**
 * Why `from` is a backup cut short, or undefined: empty, or shorter than the size its SQLite header gives (page size
 * times page count, SQLite file format §1.3). SQLite itself said `it has no \`schema_migrations\` table` of an empty file
 * and `database disk image is malformed` of a truncated one (a copy that did not finish, a full disk, an upload cut
 * off), which told the operator nothing of what to look at (review si, 4). The size `gatehouse server backup` printed
 * is the one to compare.
 */
async function cutShort(from: string): Promise<string | undefined> {
  const size = statSync(from).size;
  const again = 'make the backup again, or copy the file whole (`gatehouse server backup` printed its size)';
  if (size === 0) return `--from \`${from}\` is empty (0 bytes): not a backup, but a copy that wrote nothing; ${again}`;
  const h = await open(from, 'r');
  const head = Buffer.alloc(100);
  try {
    await h.read(head, 0, 100, 0);
  } finally {
    await h.close();
  }
  if (head.subarray(0, 16).toString('latin1') !== 'SQLite format 3\0') return undefined;
  const raw = head.readUInt16BE(16);
  const pageSize = raw === 1 ? 65536 : raw;
  const pages = head.readUInt32BE(28);
  // The page count is valid only when its change counter matches the one it was written with (format §1.3.7).
  if (pages === 0 || head.readUInt32BE(24) !== head.readUInt32BE(92)) return size < 100 ? `--from \`${from}\` is cut short (${size} bytes, not even a SQLite header): ${again}` : undefined;
  const whole = pageSize * pages;
  return size < whole ? `--from \`${from}\` is cut short: ${size} bytes, where its SQLite header says the store is ${whole} (${pages} pages of ${pageSize}); ${again}` : undefined;
}

/** The facts of a Gatehouse store, or why `db` is not one this build can serve. */
function inspect(db: DatabaseSync, shown: string): BackupResult<Omit<StoreFacts, 'bytes'>> {
  const not = (why: string) => failure('NotAGatehouseStore', `\`${shown}\` is not a Gatehouse store: ${why}`);
  try {
    const check = db.prepare('PRAGMA quick_check').all().map((r) => String(Object.values(r)[0]));
    if (check.length !== 1 || check[0] !== 'ok') return not(`SQLite finds it damaged (${check.slice(0, 3).join('; ')})`);
    const tables = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((r) => String(r['name'])));
    for (const t of ['schema_migrations', 'kv', 'change_head', 'accounts']) if (!tables.has(t)) return not(`it has no \`${t}\` table`);
    const known = new Map(SQLITE_MIGRATIONS.map((m) => [m.version, m.name]));
    let version = 0;
    for (const r of db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all()) {
      const v = Number(r['version']);
      const name = known.get(v);
      if (name === undefined) return not(`its schema version ${v} is newer than this gatehouse knows (${Math.max(...known.keys())}); restore it with the gatehouse that made it, or upgrade`);
      if (name !== String(r['name'])) return not(`its migration ${v} is \`${String(r['name'])}\`, this gatehouse's is \`${name}\` (the store of another build)`);
      version = Math.max(version, v);
    }
    const head = Number(db.prepare('SELECT seq FROM change_head WHERE id = 1').get()?.['seq'] ?? 0);
    const ids = new Set<string>();
    const ring = db.prepare("SELECT kv_value FROM kv WHERE kv_key = 'sts/keyring'").get()?.['kv_value'];
    const key = tables.has('access_keys') ? db.prepare('SELECT secret FROM access_keys LIMIT 1').get()?.['secret'] : undefined;
    for (const sealed of [ring, key]) {
      const m = typeof sealed === 'string' ? /gh1\.([0-9a-f]{8})\./.exec(sealed) : null;
      if (m?.[1] !== undefined) ids.add(m[1]);
    }
    return { ok: true, value: { version, changeHead: head, masterKeyIds: [...ids] } };
  } catch (e) {
    return not(messageOf(e));
  }
}

/** The id of the master key the data dir's server will be given, as the server ranks its sources; never the key. */
async function masterKeyId(dataDir: string, options: RestoreOptions): Promise<BackupResult<{ id: string; source: string } | undefined>> {
  const fromText = (text: string, what: string): BackupResult<{ id: string; source: string }> => {
    const parsed = parseMasterKey(text, what);
    return parsed.ok ? { ok: true, value: { id: parsed.value.id, source: what } } : failure('MasterKeyMismatch', parsed.error.message);
  };
  const fromFile = async (path: string, what: string): Promise<BackupResult<{ id: string; source: string }>> => {
    try {
      return fromText(await readSmallFile(path, 4096), what);
    } catch (e) {
      return failure('MasterKeyMismatch', `${what} cannot be read: ${messageOf(e)}`);
    }
  };
  // The key itself given for the path (`--master-key-file "$(openssl rand -base64 32)"`): said without it, as the server
  // says it (review qz, 2), never echoed as a file that does not exist.
  if (options.masterKeyFile !== undefined && parseMasterKey(options.masterKeyFile, '').ok) {
    return failure('MasterKeyMismatch', `--master-key-file was given a master key (base64 of 32 bytes), not the path of a file (not shown): write it to a file readable by this user only and give that file's path, or set ${MASTER_KEY_ENV}`);
  }
  if (options.masterKeyFile !== undefined) return fromFile(resolve(options.masterKeyFile), `--master-key-file \`${resolve(options.masterKeyFile)}\``);
  const env = options.env[MASTER_KEY_ENV];
  if (env !== undefined && env !== '') return fromText(env, MASTER_KEY_ENV);
  const file = join(dataDir, MASTER_KEY_FILE_NAME);
  if (existsSync(file)) return fromFile(file, `\`${file}\``);
  return { ok: true, value: undefined };
}

/** What of the data dir a backup of the store does not hold. */
async function besideOf(dataDir: string): Promise<Beside> {
  const keyFile = join(dataDir, MASTER_KEY_FILE_NAME);
  let masterKeyFile: Beside['masterKeyFile'];
  if (existsSync(keyFile)) {
    const text = await readSmallFile(keyFile, 4096).catch(() => undefined);
    const parsed = text === undefined ? undefined : parseMasterKey(text, keyFile);
    masterKeyFile = { path: keyFile, id: parsed?.ok === true ? parsed.value.id : undefined };
  }
  const count = async (dir: string): Promise<number | undefined> => (await stat(dir).catch(() => undefined))?.isDirectory() === true ? (await readdir(dir).catch(() => [])).length : undefined;
  const objects = join(dataDir, 'objects');
  const buckets = await count(objects);
  const spool = join(dataDir, SPOOL_DIR);
  const spooled = await count(spool);
  const admin = join(dataDir, ADMIN_CREDENTIALS_FILE);
  return {
    ...(masterKeyFile !== undefined ? { masterKeyFile } : {}),
    ...(existsSync(admin) ? { adminCredentials: admin } : {}),
    ...(buckets !== undefined && buckets > 0 ? { objects: { path: objects, buckets } } : {}),
    ...(spooled !== undefined && spooled > 0 ? { auditSpool: { path: spool, files: spooled } } : {}),
  };
}

const usesPostgres = (env: Readonly<Record<string, string | undefined>>): boolean => (env['GATEHOUSE_DATABASE_URL'] ?? '') !== '';

/**
 * What `to` is of the data dir's own files, said for the refusal; undefined when it is none. A backup renamed over one
 * of them (`--to DIR/master.key --force`) destroyed it: the master key gone, no secret sealed in the store (or in the
 * backup just written) opens again. Found by the real directory `to` is written in (a symlink or `..` on the way to
 * the data dir) and its name there whatever its case (a case-insensitive file system; and one the server reads even
 * while absent: a `gatehouse.db-wal` is taken for the store's journal, a file in the audit spool appended to the log).
 */
function ownedByServer(dataDir: string, to: string): string | undefined {
  const realDataDir = realDirOf(dataDir);
  const parent = realDirOf(dirname(to));
  if (realDataDir === undefined || parent === undefined) return undefined;
  const dataDirStat = statSync(realDataDir, { bigint: true });
  // The path below the data dir, read up from the real directory the backup is written in.
  const below: string[] = [basename(to)];
  for (let dir = parent; ; dir = dirname(dir)) {
    const s = statSync(dir, { throwIfNoEntry: false, bigint: true });
    if (s !== undefined && s.dev === dataDirStat.dev && s.ino === dataDirStat.ino) break;
    if (dirname(dir) === dir) return undefined;
    below.unshift(basename(dir));
  }
  const first = below[0] ?? '';
  const name = first.toLowerCase();
  const where = join(realDataDir, ...below);
  const at = (what: string, path: string): string => (path === to ? what : `${what} (\`${path}\`)`);
  if (below.length > 1) {
    if (name === 'objects') return at(`in the S3 gateway's objects`, join(realDataDir, first));
    if (name === SPOOL_DIR) return at(`in the audit spool, whose files the next start appends to the audit log`, join(realDataDir, first));
    return undefined;
  }
  if (name === SQLITE_FILE_NAME) return at(`the data dir's store`, where);
  if (name.startsWith(`${SQLITE_FILE_NAME}.replaced-`)) return at(`a store a restore kept aside (the only copy of what changed since the backup restored)`, where);
  if (name.startsWith(`${SQLITE_FILE_NAME}-`)) return at(`a journal of the data dir's store`, where);
  if (name === MASTER_KEY_FILE_NAME) return at(`the data dir's master key, which every secret in the store and its backups is sealed under`, where);
  if (name === ADMIN_CREDENTIALS_FILE) return at(`the root admin's access key (the CLI's credentials)`, where);
  if (name.startsWith(KEYED_NOTE_FILE)) return at(`the audit log's keyed chain note`, where);
  if (name === 'objects' || name === SPOOL_DIR) return at(`the data dir's ${name} directory`, where);
  return undefined;
}

/**
 * What `to` is of another server's store, said for the refusal; undefined when it is none. `ownedByServer` guarded the
 * data dir backed up only: `--to OTHER/gatehouse.db --force` renamed the backup over another data dir's live store
 * (its server's commits went on into the file unlinked, lost at its next start, and a killed one's WAL was then read
 * into the backup), and `--to OTHER/master.key --force` over its master key (review sq, 2). A data dir is found by its
 * store as only a server leaves it: in WAL mode (a server opens it so; a backup is never in it) or with its `-wal` or
 * `-shm` beside it. A directory of backups named `gatehouse.db`, kept beside their master key, is none. And a file in
 * WAL mode is refused by any name: a server's store (one kept aside by a restore), never a backup to replace.
 */
function ofAnotherStore(dataDir: string, to: string): string | undefined {
  const parent = realDirOf(dirname(to));
  const own = realDirOf(dataDir);
  for (let dir = parent; dir !== undefined; dir = dirname(dir) === dir ? undefined : dirname(dir)) {
    const store = join(dir, SQLITE_FILE_NAME);
    if (dir !== own && (inWalMode(store) || JOURNAL_SUFFIXES.some((suffix) => existsSync(`${store}${suffix}`)))) {
      const owned = ownedByServer(dir, to);
      if (owned !== undefined) return `in another server's data dir \`${dir}\` (${owned})`;
    }
  }
  return inWalMode(to) ? `a SQLite database in WAL mode, a store a server opened (\`gatehouse server backup\` never writes one; a copy made otherwise, such as by sqlite3's .backup, keeps the mode: remove it yourself if it is one)` : undefined;
}

/**
 * Why `to` (through any link) is no place for a backup file, or undefined: a device, a named pipe or a socket. A backup
 * is written beside `to` and renamed over it whole, so `--to /dev/stdout --force` (meant as `pg_dump`'s stdout, to pipe
 * it) replaced the /dev/stdout link, run as root, by a file holding the whole store, and nothing went down the pipe;
 * `/dev/null` or a FIFO were replaced the same way; without --force the refusal said it exists and to give --force
 * (review uc, 2). Refused whatever --force says, before anything is read or made.
 */
function noFileAt(to: string): string | undefined {
  const st = statSync(to, { throwIfNoEntry: false });
  if (st === undefined || st.isFile() || st.isDirectory()) return undefined;
  const what = st.isCharacterDevice() ? 'a character device' : st.isBlockDevice() ? 'a block device' : st.isFIFO() ? 'a named pipe (FIFO)' : st.isSocket() ? 'a socket' : 'no regular file';
  const real = realDirOf(to);
  const via = lstatSync(to).isSymbolicLink() && real !== undefined ? ` (a link to \`${real}\`)` : '';
  return `--to \`${to}\`${via} is ${what}, not a file: the backup is written beside --to and renamed over it whole, which would replace it (--force or not); give the path of a file (to send the backup down a pipe or to another host, write it to a file, then read that file: \`gatehouse server backup --to b.db && gzip -c b.db | …\`)`;
}

/** Whether `path` is a SQLite database whose header says WAL mode (file format §1.3.3: read and write versions 2). */
function inWalMode(path: string): boolean {
  let fd: number | undefined;
  try {
    if (statSync(path, { throwIfNoEntry: false })?.isFile() !== true) return false;
    fd = openSync(path, 'r');
    const head = Buffer.alloc(20);
    if (readSync(fd, head, 0, 20, 0) < 20) return false;
    return head.subarray(0, 16).toString('latin1') === 'SQLite format 3\0' && head[18] === 2 && head[19] === 2;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The real path of a directory (symlinks resolved), undefined when it is not there. */
function realDirOf(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() === true;
}

function sameFileAs(a: string, b: string): boolean {
  const x = statSync(a, { throwIfNoEntry: false, bigint: true });
  const y = statSync(b, { throwIfNoEntry: false, bigint: true });
  return a === b || (x !== undefined && y !== undefined && x.dev === y.dev && x.ino === y.ino);
}

/**
 * `base`, or `base.2`, `base.3`… when a file (or its journal) is there: a rename replaces what is at its target, and a
 * second restore in the same second (a script that restores one backup, then another) renamed the store it replaced
 * over the one the first had kept aside, the only copy of what was changed since the backups, which the first had said
 * was kept (review si, 2). Called with nothing awaited before the rename.
 */
function asideName(base: string): string {
  const taken = (name: string): boolean => ['', '-wal', '-shm', '-journal'].some((suffix) => existsSync(`${name}${suffix}`));
  let name = base;
  for (let n = 2; taken(name); n++) name = `${base}.${n}`;
  return name;
}

/** The files SQLite reads beside a database as its own: the WAL, its index, the rollback journal. */
const JOURNAL_SUFFIXES = ['-wal', '-shm', '-journal'] as const;

/** `20261206T234501Z`: sorts by time, no character a shell or another system minds. */
const stamp = (ms: number): string => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

async function flush(path: string): Promise<void> {
  const h = await open(path, 'r+');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/** A rename on disk before the command says it is done (a directory's fsync; not every system allows it). */
async function flushDirectory(dir: string): Promise<void> {
  try {
    const h = await open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    // Some file systems refuse a directory's fsync: the rename is still made.
  }
}

/**
 * Why `--to`'s directory cannot take a backup, named as that directory (undefined when it is one): a directory that
 * is not there or a path through a file. The hidden temporary file the backup is first written to was named instead,
 * `ENOENT: no such file or directory, open 'DIR/.b.db.PID.HEX.tmp'`, a name the user never gave (review tm, 2).
 */
function unusableDirectoryOf(to: string): string | undefined {
  const dir = dirname(to);
  const st = statSync(dir, { throwIfNoEntry: false });
  if (st?.isDirectory() === true) return undefined;
  // The first ancestor that is not a directory: the one to create, or the file in the way.
  let missing = dir;
  for (let up = dirname(missing); up !== missing; up = dirname(missing)) {
    const s2 = statSync(up, { throwIfNoEntry: false });
    if (s2?.isDirectory() === true) break;
    missing = up;
  }
  const at = statSync(missing, { throwIfNoEntry: false });
  if (at === undefined) {
    return `--to \`${to}\`: the directory \`${dir}\` does not exist${missing !== dir ? ` (nor \`${missing}\`)` : ''}: create it (\`mkdir -p ${dir}\`), or give a --to in a directory that exists`;
  }
  return `--to \`${to}\`: \`${missing}\` is not a directory: give a --to in a directory`;
}

/**
 * Why `path`, given as `option`, cannot even be looked up, or undefined when it can (there or not). Looked up, a name
 * longer than its file system takes threw ENAMETOOLONG out of the command, an internal error with a stack (review uc, 3).
 */
function unusablePath(option: string, path: string): string | undefined {
  try {
    lstatSync(path, { throwIfNoEntry: false });
    statSync(path, { throwIfNoEntry: false });
    return undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // Not there, or a file on its way: said by the checks that follow, as of the directory (review tm, 2).
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    const name = basename(path);
    if (code === 'ENAMETOOLONG') {
      return Buffer.byteLength(name) > NAME_MAX
        ? `${option} \`${path}\`: the name \`${name}\` is longer than the file system of \`${dirname(path)}\` takes (ENAMETOOLONG): give ${option} a shorter name`
        : `${option} \`${path}\`: a name in it, or the whole path, is longer than the system takes (ENAMETOOLONG): give ${option} a shorter path`;
    }
    if (code === 'ELOOP') return `${option} \`${path}\` leads through a loop of symbolic links (ELOOP): give a path that leads to a file`;
    if (code === 'EACCES') return `${option} \`${path}\`: a directory on its way cannot be searched by this user (EACCES)`;
    return `${option} \`${path}\` cannot be looked up: ${messageOf(e)}`;
  }
}

/** The longest name most file systems take (ext4, XFS, Btrfs, tmpfs: 255 bytes). */
const NAME_MAX = 255;

/**
 * `name` cut to at most `bytes` bytes of UTF-8 (whole characters), for a temporary name made of it: `.NAME.PID.HEX.tmp`
 * is 26 bytes longer than NAME, and a --to name of 230 to 255 bytes, which its file system takes, was refused as a
 * directory where no file can be created (ENAMETOOLONG; review uc, 3).
 */
function shortened(name: string, bytes: number): string {
  if (Buffer.byteLength(name) <= bytes) return name;
  let out = '';
  for (const c of name) {
    if (Buffer.byteLength(out + c) > bytes) break;
    out += c;
  }
  return out;
}

/** A failure to create a file in `dir`, said of `dir` (not of the temporary file's name). */
function unwritableDirectoryWords(e: unknown, dir: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return `the directory \`${dir}\` cannot be written by this user (${code}): give a --to in a directory it may write, or run as its owner`;
  if (code === 'EROFS') return `the directory \`${dir}\` is on a read-only file system (EROFS): give a --to on a writable one`;
  if (code === 'ENOSPC' || code === 'EDQUOT') return `no space left in \`${dir}\` (${code})`;
  if (code === 'ENAMETOOLONG') return `a name is longer than the file system of \`${dir}\` takes (ENAMETOOLONG): give --to a shorter name`;
  if (code === 'ENOENT' || code === 'ENOTDIR') return unusableDirectoryOf(join(dir, 'x'))?.replace(/^--to `[^`]*`: /, '') ?? `the directory \`${dir}\` went away (${code})`;
  return code === undefined ? messageOf(e) : `a file cannot be created in the directory \`${dir}\` (${code})`;
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
