/**
 * Making a directory and its missing parents, one level at a time. Node's `mkdir(path, { recursive: true })` takes an
 * `ENOENT` from mkdir(2) to mean "a parent is missing": it makes the parent, which answers `EEXIST`, and tries the
 * child again, for ever, at 100% CPU (node_file.cc `MKDirpSync`/`MKDirpAsync`). A file system that answers `ENOENT`
 * with the parent there loops it: /proc (`--out /proc/x/y`, `--data-dir /proc/x`), and so would a FUSE or network
 * file system that answers so. Here each level is made once: an `ENOENT` whose parent exists is an error naming the
 * directory and why, and whatever this call made before it failed is removed again (nothing half-made is left).
 */
import { mkdirSync, rmdirSync, statSync } from 'node:fs';
import { mkdir, rmdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** Why a directory could not be made; `path` is the level that failed, `code` the system error's (`EACCES`…). */
export class DirectoryError extends Error {
  readonly path: string;
  readonly code: string;
  /** The reason alone, for a caller that names the path itself. */
  readonly why: string;
  constructor(path: string, code: string, why: string) {
    super(`cannot create directory \`${path}\`: ${why}`);
    this.name = 'DirectoryError';
    this.path = path;
    this.code = code;
    this.why = why;
  }
}

const codeOf = (e: unknown): string => (typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : '');

/** The system error's words, without Node's `CODE: … , mkdir '…'` wrapping (the path is said once, by the caller). */
const REASONS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENAMETOOLONG: 'name too long',
  ELOOP: 'too many levels of symbolic links',
  ENOTDIR: 'a part of the path is not a directory',
};

function failure(path: string, e: unknown): DirectoryError {
  const code = codeOf(e);
  if (code === 'ENOENT') return new DirectoryError(path, code, `\`${dirname(path)}\` takes no new directories (mkdir answered ENOENT with it there)`);
  if (code === 'ENOTDIR') {
    // Which part: the error names only the whole path. Said on failure only, so a blocking stat costs nothing.
    for (let q = dirname(path); dirname(q) !== q; q = dirname(q)) {
      try {
        if (!statSync(q).isDirectory()) return new DirectoryError(path, code, `\`${q}\` is not a directory`);
      } catch {
        // Not there (below the file) or unreadable: look further up.
      }
    }
  }
  const reason = REASONS[code] ?? (e instanceof Error ? e.message : String(e));
  return new DirectoryError(path, code, code === '' || REASONS[code] === undefined ? reason : `${reason} (${code})`);
}

const notDirectory = (path: string): DirectoryError => new DirectoryError(path, 'ENOTDIR', 'something that is not a directory is there');

/**
 * Makes `path` and its missing parents with `mode` (the umask may narrow it); returns the directories it made,
 * outermost first (none when `path` was a directory already). Throws `DirectoryError`, having removed what it made.
 */
export async function makeDirectory(path: string, mode = 0o700): Promise<readonly string[]> {
  const isDirectory = (p: string): Promise<boolean> => stat(p).then((s) => s.isDirectory(), () => false);
  // Up from `path` to the first level that exists or can be made; `todo`: the levels above it failed, innermost first.
  const made: string[] = [];
  const todo: string[] = [];
  for (let p = resolve(path); ; p = dirname(p)) {
    try {
      await mkdir(p, { mode });
      made.push(p);
      break;
    } catch (e) {
      const code = codeOf(e);
      if (code === 'EEXIST') {
        if (!(await isDirectory(p))) throw notDirectory(p);
        break;
      }
      if (code !== 'ENOENT' || dirname(p) === p) throw failure(p, e);
      todo.push(p);
    }
  }
  // Down again, each level once: its parent is there now, so an ENOENT is the file system's refusal, not a gap.
  for (const p of todo.reverse()) {
    try {
      await mkdir(p, { mode });
      made.push(p);
    } catch (e) {
      // Made meanwhile by someone else: theirs, and fine as long as it is a directory.
      if (codeOf(e) === 'EEXIST' && (await isDirectory(p))) continue;
      await removeDirectories(made);
      throw codeOf(e) === 'EEXIST' ? notDirectory(p) : failure(p, e);
    }
  }
  return made;
}

/** `makeDirectory` for code that must not yield (the SQLite store's open, the audit journal's first write). */
export function makeDirectorySync(path: string, mode = 0o700): readonly string[] {
  const isDirectory = (p: string): boolean => {
    try {
      return statSync(p).isDirectory();
    } catch {
      return false;
    }
  };
  const made: string[] = [];
  const todo: string[] = [];
  for (let p = resolve(path); ; p = dirname(p)) {
    try {
      mkdirSync(p, { mode });
      made.push(p);
      break;
    } catch (e) {
      const code = codeOf(e);
      if (code === 'EEXIST') {
        if (!isDirectory(p)) throw notDirectory(p);
        break;
      }
      if (code !== 'ENOENT' || dirname(p) === p) throw failure(p, e);
      todo.push(p);
    }
  }
  for (const p of todo.reverse()) {
    try {
      mkdirSync(p, { mode });
      made.push(p);
    } catch (e) {
      if (codeOf(e) === 'EEXIST' && isDirectory(p)) continue;
      for (const d of [...made].reverse()) {
        try {
          rmdirSync(d);
        } catch {
          // Not empty any more (someone else's files), or gone: left as it is.
        }
      }
      throw codeOf(e) === 'EEXIST' ? notDirectory(p) : failure(p, e);
    }
  }
  return made;
}

/** Removes directories `makeDirectory` made (innermost first), each only if still empty; never throws. */
export async function removeDirectories(made: readonly string[]): Promise<void> {
  for (const d of [...made].reverse()) await rmdir(d).catch(() => {});
}
