/**
 * `gatehouse jobs run --credentials-file PATH` never replaces a file it did not write, and takes the job's
 * credentials away when the job ends (review-g R3). Against a real server, through the real executable where the test
 * reads what a rank printed, else the CLI's program in this process (test/support/gatehouse-cli.ts):
 * - an existing file (a user's `~/.aws/credentials`, say) is refused, exit 7, left byte for byte, and no job is
 *   submitted; the same for `GATEHOUSE_CREDENTIALS_FILE`;
 * - a path whose directory does not exist gets it (owner-only), as the platform path /mnt/.alibabacloud needs;
 * - a file in the layout the launcher writes (another job's, or one a killed launcher left) is refused too, saying so;
 * - a fresh path holds the job's credentials while it runs and is gone after it, as is the per-job directory with
 *   its profile files; a file someone replaced during the job is left alone.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import type { RunningServer } from '../src/main/server.ts';
import { startJobsWorld, ROLE_ARN, type JobsWorld } from './support/jobs-world.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { COMPILE_CACHE, GATEHOUSE_BIN } from './support/processes.ts';

const PRECIOUS = '[default]\naws_access_key_id = AKIAIMPORTANT\naws_secret_access_key = keepme\n';
/** A rank that prints the credentials file it was given. */
const PRINT_FILE = [process.execPath, '-e', "process.stdout.write(require('fs').readFileSync(process.env.GATEHOUSE_CREDENTIALS_FILE, 'utf8'))"];

describe('jobs run --credentials-file', () => {
  let home: string;
  let server: RunningServer;
  let alice: { accessKeyId: string; secretAccessKey: string };
  let admin: Connection;

  const cliEnv = (extraEnv: Record<string, string>) => ({ PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, TMPDIR: home, ...COMPILE_CACHE, AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: alice.secretAccessKey, GATEHOUSE_ENDPOINT: server.url, ...extraEnv });
  /** The executable: for a job whose ranks' output the test reads (a rank's stdout is the launcher's). */
  const gatehouse = (args: readonly string[], extraEnv: Record<string, string> = {}) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [GATEHOUSE_BIN, ...args], { env: cliEnv(extraEnv), timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr }));
    });
  /**
   * The CLI's program in this process (test/support/gatehouse-cli.ts), the same environment: for a job refused before
   * any rank starts, or whose ranks say what they saw by their exit status and files (a `gatehouse` process is 0.3 s
   * of CPU). Its ranks are still processes, started by the launcher as the executable starts them.
   */
  const gatehouseHere = (args: readonly string[], extraEnv: Record<string, string> = {}) => gatehouseInProcess(args, cliEnv(extraEnv));
  const jobCount = async (): Promise<number> => {
    const r = await call<{ jobs: unknown[] }>(admin, 'GET', ['jobs']);
    assert.ok(r.ok);
    return r.value.jobs.length;
  };

  let world: JobsWorld | undefined;
  before(async () => {
    world = await startJobsWorld('gh-credfile-');
    ({ home, server, alice, admin } = world);
  });
  after(async () => {
    await world?.close();
  });

  it('an existing file is refused (exit 7), left as it was, and no job is submitted', async () => {
    const precious = join(home, 'precious-credentials');
    await writeFile(precious, PRECIOUS);
    const before = await jobCount();
    const r = await gatehouseHere(['jobs', 'run', '--workspace', 'vision', '--role', ROLE_ARN, '--credentials-file', precious, '--', 'true']);
    assert.equal(r.code, 7, r.stderr);
    assert.match(r.stderr, /^gatehouse: --credentials-file `.*precious-credentials` exists: it is left as it is, never written over; give a path where nothing is/);
    assert.equal(await readFile(precious, 'utf8'), PRECIOUS);
    // Through the environment variable too.
    const e = await gatehouseHere(['jobs', 'run', '--workspace', 'vision', '--role', ROLE_ARN, '--', 'true'], { GATEHOUSE_CREDENTIALS_FILE: precious });
    assert.equal(e.code, 7, e.stderr);
    assert.equal(await readFile(precious, 'utf8'), PRECIOUS);
    assert.equal(await jobCount(), before, 'no job was submitted');
  });

  it('a path under a directory that does not exist (as /mnt/.alibabacloud on a new machine) gets it, owner-only, and the file and the directories made for it go at the end', async () => {
    const path = join(home, 'nodir', 'sub', 'credentials');
    // The rank sees the directory owner-only (exit 4 otherwise); it goes with the file (review gr, 12).
    const r = await gatehouseHere(['jobs', 'run', '--workspace', 'vision', '--role', ROLE_ARN, '--credentials-file', path, '--', 'node', '-e', 'const f=require("fs");const p=require("path");if((f.statSync(p.dirname(process.argv[1])).mode&0o777)!==0o700)process.exit(4);const d=JSON.parse(f.readFileSync(process.argv[1],"utf8"));process.exit(d.AccessKeyId?0:3)', path]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(existsSync(path), false, 'removed when the job ended');
    assert.equal(existsSync(join(home, 'nodir')), false, 'the directories made for it are removed too');
  });

  it('a fresh path holds the job\'s credentials while it runs and is removed with the per-job directory after it', async () => {
    const dir = join(home, 'mnt-alibabacloud');
    await mkdir(dir);
    const file = join(dir, 'credentials');
    const r = await gatehouse(['jobs', 'run', '--workspace', 'vision', '--role', ROLE_ARN, '--credentials-file', file, '--', ...PRINT_FILE]);
    assert.equal(r.code, 0, r.stderr);
    const jobId = /gatehouse: job ([a-z0-9]+) /.exec(r.stderr)?.[1];
    const seen = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.match(String(seen['AccessKeyId']), /^ASIA/);
    assert.deepEqual(Object.keys(seen), ['AccessKeyId', 'AccessKeySecret', 'SecurityToken', 'Expiration']);
    assert.equal(existsSync(file), false, 'the job\'s credentials are gone with it');
    assert.deepEqual(await readdir(dir), []);
    assert.ok(jobId);
    assert.deepEqual(await readdir(join(home, `gatehouse-${process.getuid?.()}`)), [], 'the per-job directory is gone');

    // The default per-job path as well.
    const d = await gatehouse(['jobs', 'run', '--workspace', 'vision', '--role', ROLE_ARN, '--', ...PRINT_FILE]);
    assert.equal(d.code, 0, d.stderr);
    assert.match(String((JSON.parse(d.stdout) as Record<string, unknown>)['SecurityToken']), /./);
    assert.deepEqual(await readdir(join(home, `gatehouse-${process.getuid?.()}`)), [], 'the default per-job directory is gone too');
  });

  it('a file in the launcher\'s layout (another job\'s) is refused; one replaced during the job is left alone', async () => {
    const file = join(home, 'shared-credentials');
    const other = JSON.stringify({ AccessKeyId: 'ASIAOTHER', AccessKeySecret: 's', SecurityToken: 't', Expiration: '2030-01-01T00:00:00Z' });
    await writeFile(file, other);
    const r = await gatehouseHere(['jobs', 'run', '--workspace', 'vision', '--role', ROLE_ARN, '--credentials-file', file, '--', 'true']);
    assert.equal(r.code, 7, r.stderr);
    assert.match(r.stderr, /holds credentials in the layout `gatehouse jobs run` writes: another job may be using it \(give each job its own path\), or a launcher that was killed left it \(remove it\)/);
    assert.equal(await readFile(file, 'utf8'), other);

    // A rank that puts its own file in place of the job's: the launcher does not remove what it did not write.
    await rm(file);
    const replace = [process.execPath, '-e', `require('fs').writeFileSync(process.env.GATEHOUSE_CREDENTIALS_FILE, ${JSON.stringify(PRECIOUS)})`];
    const t = await gatehouseHere(['jobs', 'run', '--workspace', 'vision', '--role', ROLE_ARN, '--credentials-file', file, '--', ...replace]);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stderr, /was changed by someone else during job [a-z0-9]+: left as it is/);
    assert.equal(await readFile(file, 'utf8'), PRECIOUS);
  });
});
