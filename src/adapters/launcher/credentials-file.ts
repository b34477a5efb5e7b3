/**
 * The job's credentials file (`--credentials-file`, `GATEHOUSE_CREDENTIALS_FILE`; the Alibaba layout) is the
 * launcher's own: it is never written over a file that exists, and it is removed when the job ends (review-g R3). A
 * user pointing it at `~/.aws/credentials`, `~/.alibabacloud/credentials` or another running job's file would
 * otherwise lose that file, or break that job, and be left with a dead job's session in it.
 *
 * The file holds exactly the platform's four fields (DESIGN.md), so it cannot say who wrote it: an existing file is
 * refused whoever wrote it, and one in the layout the launcher writes is named as such (another job's, or one left
 * by a launcher that was killed before it could remove it). At the end the launcher removes the file only if it
 * still holds what it last wrote there.
 */
import { constants } from 'node:fs';
import { access, lstat, readFile, readlink, stat, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { DirectoryError, makeDirectory, removeDirectories } from '../fs/index.ts';

export interface CredentialsFileProblem {
  /** `usage` (exit 2): the path cannot be used; `conflict` (exit 7): something is there already. */
  readonly exit: 'usage' | 'conflict';
  readonly message: string;
}

const LAYOUT = ['AccessKeyId', 'AccessKeySecret', 'SecurityToken', 'Expiration'].join();

const code = (e: unknown): string => (typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '');

/** Whether the file at `path` is in the layout the launcher writes (a JSON object of exactly the four fields). */
async function inLauncherLayout(path: string): Promise<boolean> {
  try {
    if ((await lstat(path)).size > 64 * 1024) return false;
    const doc = JSON.parse(await readFile(path, 'utf8')) as unknown;
    return typeof doc === 'object' && doc !== null && !Array.isArray(doc) && Object.keys(doc).join() === LAYOUT;
  } catch {
    return false;
  }
}

/**
 * Why the missing directory `dir` could not be made when the file is first written, or undefined when it can: its
 * nearest ancestor that is there must be a directory this user may write, and no entry on the way a symbolic link to
 * nothing (a volume not mounted). A job submitted with such a path ran its ranks without the file they were pointed at
 * (review gn, 6).
 */
async function unmakeable(dir: string): Promise<string | undefined> {
  for (let d = dir; ; d = dirname(d)) {
    let entry;
    try {
      entry = await lstat(d);
    } catch (e) {
      if ((code(e) === 'ENOENT' || code(e) === 'ENOTDIR') && dirname(d) !== d) continue;
      return `\`${d}\` cannot be read (${code(e) || String(e)})`;
    }
    if (entry.isSymbolicLink()) {
      const target = await readlink(d).catch(() => '?');
      const to = await stat(d).catch((e: unknown) => code(e));
      if (typeof to === 'string') return `\`${d}\` is a symbolic link to \`${resolve(dirname(d), target)}\`, which does not exist`;
      if (!to.isDirectory()) return `\`${d}\` is not a directory`;
    } else if (!entry.isDirectory()) return `\`${d}\` is not a directory`;
    try {
      await access(d, constants.W_OK | constants.X_OK);
    } catch {
      return `\`${d}\` is not writable by this user`;
    }
    const open = await othersMayWrite(d);
    if (open !== undefined) return `\`${d}\` may be written by other users (mode ${open}): another could make the directory first, as theirs, and put their own file in it for the ranks to read; give a path in a directory only you can write`;
    return undefined;
  }
}

/**
 * The mode of `d` when users other than its owner and group may write it (/tmp, /dev/shm), else undefined. A file
 * there can be made by another user between the check and the launcher's first write (the sticky bit keeps them
 * from removing this user's entries, not from making the name first), and the ranks, told the path, read whatever is
 * there: credentials of the other user's choosing (review gr, 14).
 */
async function othersMayWrite(d: string): Promise<string | undefined> {
  const mode = (await stat(d)).mode;
  return (mode & 0o002) !== 0 ? (mode & 0o7777).toString(8).padStart(4, '0') : undefined;
}

/**
 * Why `dir` cannot be made, found by making it (and removing it again): a directory this user may write can still
 * refuse new entries (/proc answers ENOENT), and the job then ran without its file (review gr, 1).
 */
async function madeAndRemoved(dir: string): Promise<string | undefined> {
  try {
    await removeDirectories(await makeDirectory(dir, 0o700));
    return undefined;
  } catch (e) {
    if (e instanceof DirectoryError) return e.path === dir ? e.why : `\`${e.path}\`: ${e.why}`;
    return e instanceof Error ? e.message : String(e);
  }
}

/**
 * Why a credentials file the user named may not be used, or undefined when it may: checked before the job is
 * submitted, so a refusal leaves no job behind. Nothing may be at the path. A directory that does not exist is made
 * (owner-only) when the file is first written, as the platform's own path `/mnt/.alibabacloud/credentials` needs on a
 * machine that has never had it (DESIGN.md names it as the configurable default); one that exists but is not a
 * directory is refused.
 */
export async function credentialsFileProblem(path: string): Promise<CredentialsFileProblem | undefined> {
  const dir = dirname(path);
  try {
    if (!(await stat(dir)).isDirectory()) return { exit: 'usage', message: `--credentials-file \`${path}\`: \`${dir}\` is not a directory` };
    const open = await othersMayWrite(dir);
    if (open !== undefined) {
      return { exit: 'usage', message: `--credentials-file \`${path}\`: \`${dir}\` may be written by other users (mode ${open}): another could put a file of theirs at this path before the launcher writes it, and the ranks would read its credentials; give a path in a directory only you can write, or leave the option out for a private per-job path` };
    }
  } catch (e) {
    // Made when the file is first written, if it can be (review gn, 6).
    if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR') {
      const why = (await unmakeable(dir)) ?? (await madeAndRemoved(dir));
      return why === undefined ? undefined : { exit: 'usage', message: `--credentials-file \`${path}\`: its directory \`${dir}\` cannot be made: ${why}` };
    }
    return { exit: 'usage', message: `--credentials-file \`${path}\`: the directory \`${dir}\` cannot be read (${code(e) || String(e)})` };
  }
  try {
    await lstat(path);
  } catch (e) {
    if (code(e) === 'ENOENT') return undefined;
    return { exit: 'usage', message: `--credentials-file \`${path}\` cannot be checked (${code(e) || String(e)})` };
  }
  const next = 'give a path where nothing is (the launcher removes the file when the job ends), or leave the option out for a private per-job path';
  return (await inLauncherLayout(path))
    ? { exit: 'conflict', message: `--credentials-file \`${path}\` exists and holds credentials in the layout \`gatehouse jobs run\` writes: another job may be using it (give each job its own path), or a launcher that was killed left it (remove it); it is left as it is` }
    : { exit: 'conflict', message: `--credentials-file \`${path}\` exists: it is left as it is, never written over; ${next}` };
}

/**
 * Removes the credentials file at the end of the job if it still holds `written`, what the launcher last wrote there
 * (not a file someone put in its place meanwhile); the session in it has ended, but a copy of a secret should not
 * outlive its use.
 */
export async function removeCredentialsFile(path: string, written: string | undefined): Promise<'removed' | 'kept' | 'absent'> {
  let now: string;
  try {
    now = await readFile(path, 'utf8');
  } catch (e) {
    return code(e) === 'ENOENT' ? 'absent' : 'kept';
  }
  if (written === undefined || now !== written) return 'kept';
  try {
    await unlink(path);
    return 'removed';
  } catch (e) {
    return code(e) === 'ENOENT' ? 'absent' : 'kept';
  }
}
