/**
 * The per-job directory of `gatehouse jobs run` and `clusters run-node`: where the job's profile files
 * (`aws-config`, `aws-credentials`, `alibaba-credentials`, `boto-config`) and its default credentials file live. Every rank reads
 * its identity from there (`AWS_CONFIG_FILE` can name a `credential_process`), so no other local user may be able
 * to make, swap or redirect it (review S, S2): it is made by `mkdtemp` (0700) in a base directory of this user's
 * own, `$XDG_RUNTIME_DIR/gatehouse` when that directory is private, else `${TMPDIR}/gatehouse-<uid>`. Each user has
 * their own base, so two users on one node never meet there (S2b).
 *
 * The base is made 0700 when absent. When it exists it is used only if `lstat` shows a directory (never a symbolic
 * link, which is not followed), owned by this uid, not writable by group or others; and only if the directory it is
 * in cannot be used by another user to rename it away (not writable by others, or sticky as /tmp is). Anything else
 * is refused with the reason, before the job is submitted.
 */
import { lstat, mkdir, mkdtemp, rmdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';

export type JobDir = { readonly ok: true; readonly dir: string } | { readonly ok: false; readonly exit: 'usage' | 'conflict'; readonly message: string };

const code = (e: unknown): string => (typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '');
const octal = (mode: number): string => (mode & 0o7777).toString(8).padStart(4, '0');

const REMEDY = 'remove it if it is yours, or set TMPDIR to a directory only you can write';

/** `XDG_RUNTIME_DIR` when it is set, absolute, a real directory of `uid` and private (mode 0700 or narrower). */
async function privateRuntimeDir(env: Readonly<Record<string, string | undefined>>, uid: number): Promise<string | undefined> {
  const dir = env['XDG_RUNTIME_DIR'];
  if (dir === undefined || dir === '' || !isAbsolute(dir)) return undefined;
  try {
    const st = await lstat(dir);
    return st.isDirectory() && st.uid === uid && (st.mode & 0o077) === 0 ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** Where this user's job directories go; `uid` undefined where there are no uids (Windows: TMPDIR is per user). */
export async function jobBaseDir(env: Readonly<Record<string, string | undefined>>, uid: number | undefined): Promise<string> {
  if (uid === undefined) return join(tmpdir(), 'gatehouse');
  const runtime = await privateRuntimeDir(env, uid);
  return runtime !== undefined ? join(runtime, 'gatehouse') : join(tmpdir(), `gatehouse-${uid}`);
}

/** Why the existing `path` may not hold job directories of `uid`, or undefined when it may. */
async function unsafe(path: string, uid: number | undefined): Promise<string | undefined> {
  const st = await lstat(path);
  if (st.isSymbolicLink()) return 'it is a symbolic link (not followed: another user may have put it there)';
  if (!st.isDirectory()) return 'it is not a directory';
  if (uid === undefined) return undefined;
  if (st.uid !== uid) return `it is owned by uid ${st.uid}, not by you (uid ${uid})`;
  if ((st.mode & 0o022) !== 0) return `it is writable by ${(st.mode & 0o020) !== 0 ? 'its group' : 'others'} (mode ${octal(st.mode)})`;
  return undefined;
}

/**
 * Makes a new private directory for one job (mode 0700, a fresh name) in this user's base directory, making the base
 * when absent; or says why it cannot, with no job directory made. Called before the job is submitted, so that a
 * refusal leaves no job behind.
 */
export async function makeJobDir(env: Readonly<Record<string, string | undefined>>, uid: number | undefined): Promise<JobDir> {
  const base = await jobBaseDir(env, uid);
  const parent = dirname(base);
  const where = `the per-user job directory \`${base}\``;
  if (uid !== undefined) {
    try {
      const p = await stat(parent);
      // Another user who may write `parent` could rename the base away and put their own in its place, unless the
      // sticky bit (as on /tmp) keeps them to their own entries.
      if ((p.mode & 0o022) !== 0 && (p.mode & 0o1000) === 0) {
        return { ok: false, exit: 'usage', message: `${where} cannot be kept private: \`${parent}\` is writable by others and not sticky (mode ${octal(p.mode)}), so another user could replace it; set TMPDIR to a directory only you can write` };
      }
    } catch (e) {
      return { ok: false, exit: 'usage', message: `${where} cannot be made: \`${parent}\` cannot be read (${code(e) || String(e)}); set TMPDIR to a directory of yours` };
    }
  }
  let made = false;
  try {
    await mkdir(base, { mode: 0o700 });
    made = true;
  } catch (e) {
    if (code(e) !== 'EEXIST') return { ok: false, exit: 'usage', message: `${where} cannot be made (${code(e) || String(e)}); set TMPDIR to a directory of yours` };
  }
  let why: string | undefined;
  try {
    why = await unsafe(base, uid);
  } catch (e) {
    why = `it cannot be checked (${code(e) || String(e)})`;
  }
  if (why !== undefined) {
    return made
      ? { ok: false, exit: 'usage', message: `${where} was made but is not private: ${why}; check the umask and TMPDIR` }
      : { ok: false, exit: 'conflict', message: `${where} is not safe to use: ${why}; ${REMEDY}` };
  }
  let dir: string;
  try {
    dir = await mkdtemp(join(base, 'job-'));
  } catch (e) {
    return { ok: false, exit: 'usage', message: `cannot make a job directory in ${where} (${code(e) || String(e)})` };
  }
  // mkdtemp makes it 0700 (less by the umask); checked all the same, as it is what the ranks trust.
  const problem = await unsafe(dir, uid).catch((e: unknown) => `it cannot be checked (${code(e) || String(e)})`);
  if (problem !== undefined) {
    await rmdir(dir).catch(() => {});
    return { ok: false, exit: 'usage', message: `the job directory \`${dir}\` is not private: ${problem}` };
  }
  return { ok: true, dir };
}

/** Removes a job directory `makeJobDir` made that was never used (the submit failed); only if it is empty. */
export async function removeUnusedJobDir(dir: string): Promise<void> {
  await rmdir(dir).catch(() => {});
}
