/**
 * The per-job directory of `gatehouse jobs run` is private to the launching user and cannot be pre-created, swapped
 * or redirected by another local user (review S, S2 and S2b). Through the real executable against a real server,
 * each case with a TMPDIR of its own:
 * - a normal run's directory is a fresh one (mkdtemp) in `${TMPDIR}/gatehouse-<uid>` (0700), itself 0700, its files
 *   (the profile files and the credentials file) 0600; two runs get distinct directories; it is gone after the job;
 * - `$XDG_RUNTIME_DIR/gatehouse` is the base when XDG_RUNTIME_DIR is private, TMPDIR's otherwise;
 * - a base someone else could reach is refused, saying why, before anything is submitted (no job on the server):
 *   world-writable (0777), a symbolic link (to a directory of ours: never followed), owned by another uid (as root:
 *   chowned to nobody; skipped otherwise); so is a TMPDIR others may write that is not sticky;
 * - another user's `${TMPDIR}/gatehouse` (the old shared path; here a file standing for one we cannot use) does not
 *   stop the job (S2b: the old code crashed with an internal error, exit 70, leaving the job Queued);
 * - the profile files are created exclusively: a symbolic link planted where one goes makes the write fail, and
 *   what it points to is left as it was.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { writeProfileFiles } from '../src/adapters/launcher/run.ts';
import type { RunningServer } from '../src/main/server.ts';
import { startJobsWorld, ROLE_ARN, type JobsWorld } from './support/jobs-world.ts';
import { COMPILE_CACHE, GATEHOUSE_BIN } from './support/processes.ts';

const UID = process.getuid?.() ?? -1;
const isRoot = UID === 0;
/** A rank that prints where its files are and their modes (lstat: a link is reported as one). */
const REPORT = [
  process.execPath,
  '-e',
  `const fs = require('fs'), path = require('path');
   const mode = (p) => { const s = fs.lstatSync(p); return { mode: (s.mode & 0o7777).toString(8), link: s.isSymbolicLink(), uid: s.uid }; };
   const dir = path.dirname(process.env.AWS_CONFIG_FILE);
   const files = {};
   for (const v of ['AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'ALIBABA_CLOUD_CREDENTIALS_FILE', 'GATEHOUSE_CREDENTIALS_FILE']) files[v] = { path: process.env[v], ...mode(process.env[v]) };
   process.stdout.write(JSON.stringify({ dir, dirMode: mode(dir), base: path.dirname(dir), baseMode: mode(path.dirname(dir)), files }));`,
];

interface Report {
  dir: string;
  dirMode: { mode: string; link: boolean; uid: number };
  base: string;
  baseMode: { mode: string; link: boolean; uid: number };
  files: Record<string, { path: string; mode: string; link: boolean; uid: number }>;
}

describe('jobs run: the per-job directory is private (review S, S2)', () => {
  let home: string;
  let server: RunningServer;
  let alice: { accessKeyId: string; secretAccessKey: string };
  let admin: Connection;

  const gatehouse = (args: readonly string[], env: Record<string, string>) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [GATEHOUSE_BIN, ...args],
        { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, ...COMPILE_CACHE, AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: alice.secretAccessKey, GATEHOUSE_ENDPOINT: server.url, ...env }, timeout: 60_000 },
        (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr }),
      );
    });
  const runJob = (env: Record<string, string>, cmd: readonly string[] = REPORT) => gatehouse(['jobs', 'run', '--workspace', 'vision', '--role', ROLE_ARN, '--', ...cmd], env);
  /** Every job on the server with its state. */
  const jobs = async (): Promise<string[]> => {
    const r = await call<{ jobs: { id: string; state: string }[] }>(admin, 'GET', ['jobs']);
    assert.ok(r.ok);
    return r.value.jobs.map((j) => `${j.id} ${j.state}`).sort();
  };
  /** A TMPDIR of the case's own (0700, ours, as a user's TMPDIR is). */
  const freshTmp = (): Promise<string> => mkdtemp(join(home, 'tmp-'));

  /** `jobs run` with `TMPDIR=tmp` is refused with `exit` and a message matching `why`, and leaves no job behind. */
  async function refused(env: Record<string, string>, exit: number, why: RegExp): Promise<void> {
    const before = await jobs();
    const r = await runJob(env);
    assert.equal(r.code, exit, `${r.stderr}\n${r.stdout}`);
    assert.match(r.stderr, why);
    assert.doesNotMatch(r.stderr, /internal error|gatehouse: job /);
    assert.equal(r.stdout, '', 'no rank ran');
    assert.deepEqual(await jobs(), before, 'no job was submitted');
  }

  let world: JobsWorld | undefined;
  before(async () => {
    world = await startJobsWorld('gh-private-dir-');
    ({ home, server, alice, admin } = world);
  });
  after(async () => {
    await world?.close();
  });

  it('a normal run: a fresh 0700 directory in ${TMPDIR}/gatehouse-<uid> (0700), files 0600; two runs, two directories; gone after', async () => {
    const tmp = await freshTmp();
    const seen: Report[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await runJob({ TMPDIR: tmp });
      assert.equal(r.code, 0, r.stderr);
      seen.push(JSON.parse(r.stdout) as Report);
    }
    for (const s of seen) {
      assert.equal(s.base, join(tmp, `gatehouse-${UID}`));
      assert.match(s.dir, /\/job-[^/]+$/);
      assert.deepEqual(s.baseMode, { mode: '700', link: false, uid: UID });
      assert.deepEqual(s.dirMode, { mode: '700', link: false, uid: UID });
      for (const [name, f] of Object.entries(s.files)) {
        assert.equal(dirname(f.path), s.dir, `${name} is in the job's directory`);
        assert.deepEqual({ mode: f.mode, link: f.link, uid: f.uid }, { mode: '600', link: false, uid: UID }, name);
      }
      assert.equal(existsSync(s.dir), false, `${s.dir} is gone after the job`);
    }
    assert.notEqual(seen[0]?.dir, seen[1]?.dir, 'each run has its own directory');
    // Two at once as well.
    const both = await Promise.all([runJob({ TMPDIR: tmp }), runJob({ TMPDIR: tmp })]);
    for (const r of both) assert.equal(r.code, 0, r.stderr);
    const [a, b] = both.map((r) => (JSON.parse(r.stdout) as Report).dir);
    assert.notEqual(a, b);
    assert.deepEqual(await readdir(join(tmp, `gatehouse-${UID}`)), []);
  });

  it('a private XDG_RUNTIME_DIR holds the base; one that is not private is passed over for TMPDIR', async () => {
    const tmp = await freshTmp();
    const runtime = await mkdtemp(join(home, 'run-user-'));
    const r = await runJob({ TMPDIR: tmp, XDG_RUNTIME_DIR: runtime });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as Report).base, join(runtime, 'gatehouse'));
    await chmod(runtime, 0o755);
    const o = await runJob({ TMPDIR: tmp, XDG_RUNTIME_DIR: runtime });
    assert.equal(o.code, 0, o.stderr);
    assert.equal((JSON.parse(o.stdout) as Report).base, join(tmp, `gatehouse-${UID}`));
  });

  it('a world-writable base made by someone else is refused before submitting (exit 7, no job)', async () => {
    const tmp = await freshTmp();
    const base = join(tmp, `gatehouse-${UID}`);
    await mkdir(base);
    await chmod(base, 0o777);
    await refused({ TMPDIR: tmp }, 7, new RegExp(`the per-user job directory \`${base}\` is not safe to use: it is writable by (its group|others) \\(mode 0777\\)`));
    assert.deepEqual(await readdir(base), [], 'nothing was made in it');
    // Group-writable is refused too.
    await chmod(base, 0o770);
    await refused({ TMPDIR: tmp }, 7, /is writable by its group \(mode 0770\)/);
  });

  it('a base that is a symbolic link is refused, never followed, before submitting (exit 7, no job)', async () => {
    const tmp = await freshTmp();
    const target = await mkdtemp(join(home, 'attacker-'));
    await symlink(target, join(tmp, `gatehouse-${UID}`));
    await refused({ TMPDIR: tmp }, 7, /is not safe to use: it is a symbolic link/);
    assert.deepEqual(await readdir(target), [], 'nothing was made where the link points');
    // A dangling link as well (the old code made its target).
    const gone = join(home, 'not-there');
    const tmp2 = await freshTmp();
    await symlink(gone, join(tmp2, `gatehouse-${UID}`));
    await refused({ TMPDIR: tmp2 }, 7, /it is a symbolic link/);
    assert.equal(existsSync(gone), false);
  });

  it('a base owned by another uid is refused before submitting (exit 7, no job)', { skip: isRoot ? false : 'needs root to chown a directory to nobody (uid 65534)' }, async () => {
    const tmp = await freshTmp();
    const base = join(tmp, `gatehouse-${UID}`);
    await mkdir(base, { mode: 0o700 });
    await chown(base, 65534, 65534);
    await refused({ TMPDIR: tmp }, 7, /it is owned by uid 65534, not by you \(uid 0\)/);
    assert.deepEqual(await readdir(base), []);
  });

  it('a TMPDIR others may write that is not sticky is refused (exit 2, no job); a sticky one, as /tmp, is used', async () => {
    const tmp = await freshTmp();
    await chmod(tmp, 0o777);
    await refused({ TMPDIR: tmp }, 2, new RegExp(`\`${tmp}\` is writable by others and not sticky \\(mode 0777\\)`));
    assert.equal(existsSync(join(tmp, `gatehouse-${UID}`)), false, 'no base was made');
    await chmod(tmp, 0o1777);
    const r = await runJob({ TMPDIR: tmp });
    assert.equal(r.code, 0, r.stderr);
  });

  it('another user\'s ${TMPDIR}/gatehouse does not stop the job (S2b)', async () => {
    const tmp = await freshTmp();
    // Stands for the old shared path made by another user (0700, theirs): a path we cannot make anything in.
    await writeFile(join(tmp, 'gatehouse'), 'not yours\n');
    const before = (await jobs()).length;
    const r = await runJob({ TMPDIR: tmp });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /internal error/);
    assert.equal((JSON.parse(r.stdout) as Report).base, join(tmp, `gatehouse-${UID}`));
    const after = await jobs();
    assert.equal(after.length, before + 1);
    assert.ok(after.every((j) => !j.endsWith(' Queued') && !j.endsWith(' Running')), after.join('\n'));
  });

  it('the profile files are created exclusively: a planted symbolic link makes the write fail and is not followed', async () => {
    const dir = await mkdtemp(join(home, 'job-'));
    const victim = join(home, 'victim-file');
    await writeFile(victim, 'precious\n');
    await symlink(victim, join(dir, 'aws-credentials'));
    await assert.rejects(writeProfileFiles(dir, 'us-east-1'), /EEXIST/);
    assert.equal(await readFile(victim, 'utf8'), 'precious\n');
    assert.ok((await lstat(join(dir, 'aws-credentials'))).isSymbolicLink());
    // A planted aws-config (one naming a credential_process) is not taken over either.
    const dir2 = await mkdtemp(join(home, 'job-'));
    await writeFile(join(dir2, 'aws-config'), '[default]\ncredential_process = /tmp/evil.sh\n');
    await assert.rejects(writeProfileFiles(dir2, 'us-east-1'), /EEXIST/);
  });
});
