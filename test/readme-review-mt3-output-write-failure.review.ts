/**
 * Review `readme`, mt3: a result that could not be written (`--json > out.json` on a full disk) exited 1 with a stack.
 *
 * docs/errors.md: "Standard output holds results only, so `--json > file` never writes an error into the file, and
 * the exit status says it failed", and 1 is "a negative answer, not an error" (`policy evaluate` denied, `audit verify`
 * found a break, `plan --exit-code` found drift). src/main/cli.ts stopped quietly on EPIPE (`| head`) and rethrew any
 * other error of stdout: a write refused with ENOSPC (a full disk, /dev/full) was an uncaught exception, Node's stack
 * trace on stderr and exit 1, so `gatehouse policy evaluate … --json > decision.json` on a full disk read as a deny of
 * an allowed request, `audit verify --json > report.json` as a broken audit log; `iam access-keys create --json >
 * key.json` said nothing of the key made and its secret lost. Likewise an error message that could not be written
 * (`2> errors.log` on a full disk) turned the command's own status into 1. Now stdout's failure is said on stderr
 * ("cannot write the result to standard output (ENOSPC: …)", that whatever the command did is done), exit 5, the
 * status of a file that could not be read or written (docs/errors.md); stderr's stops the messages and the command
 * keeps its status.
 *
 * Before the fix 3 of 3 tests failed.
 *
 * The CLI as a user runs it (bin/gatehouse.js in a child process), stdout or stderr on /dev/full; a real server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { GATEHOUSE_BIN } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ROOT = join(import.meta.dirname, '..');
const FULL = '/dev/full';

/** Runs the CLI with stdout (or stderr) on /dev/full, whose every write fails with ENOSPC; the other stream captured. */
function runInto(which: 'stdout' | 'stderr', args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; said: string }> {
  const fd = openSync(FULL, 'w');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GATEHOUSE_BIN, ...args], {
      cwd: ROOT,
      env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(AWS_|GATEHOUSE_)/.test(k))), ...env },
      stdio: ['ignore', which === 'stdout' ? fd : 'pipe', which === 'stderr' ? fd : 'pipe'],
    });
    let said = '';
    (which === 'stdout' ? child.stderr : child.stdout)?.setEncoding('utf8').on('data', (d: string) => void (said += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no exit within 20 s; said ${said}`));
    }, 20_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      closeSync(fd);
      resolve({ status, said });
    });
  });
}

describe('review mt3: a result that cannot be written is a failure said once, never a deny', { skip: existsSync(FULL) ? false : `no ${FULL} here` }, () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s?.stop();
  });

  it('`policy evaluate --json` of an allowed request into a full disk: exit 5 and a line naming ENOSPC, no stack', async () => {
    const r = await runInto('stdout', ['policy', 'evaluate', '--json', '--policy', 'examples/policies/ml-data-reader.json', '--principal', 'arn:aws:iam::111122223333:user/alice', '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::ml-datasets/train/x']);
    assert.equal(r.status, 5, r.said);
    assert.match(r.said, /^gatehouse: cannot write the result to standard output \(ENOSPC: /);
    assert.doesNotMatch(r.said, /\n\s+at /, 'no stack trace');
  });

  it('`iam users list --json` from a server into a full disk: exit 5, saying what was done is done', async () => {
    const r = await runInto('stdout', ['iam', 'users', 'list', '--json', '--endpoint', s.url], { AWS_ACCESS_KEY_ID: s.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: s.admin.secretAccessKey });
    assert.equal(r.status, 5, r.said);
    assert.match(r.said, /whatever the command did is done/);
  });

  it('an error message into a full disk (`2> errors.log`): the command keeps its own status (5, the file not read)', async () => {
    const r = await runInto('stderr', ['policy', 'validate', 'examples/policies/no-such-file.json']);
    assert.equal(r.status, 5);
  });
});
