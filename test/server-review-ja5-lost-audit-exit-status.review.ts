/**
 * Review ja, 5: on SIGTERM the server writes what it still holds for the audit log, else spools it to DIR/audit-spool;
 * when it can do neither (the database still refusing the writes, the spool not writable: a full or read-only disk),
 * it logs `audit: LOST N AUDIT RECORD(S)`, and then `gatehouse stopped` and exit status 0, the status of a clean stop
 * (`gatehouse server --help`: "0 stopped"). A supervisor, a CI job or an operator reading the status took a stop that
 * lost audit records for a clean one; the `--workers` supervisor likewise exited 0 for a worker that lost them. Now
 * the stop says it was not clean and exits 10, as a `--workers` stop does when a worker could not stop cleanly.
 * Real server process (bin/gatehouse.js); the SQLite file held locked by the test (the audit writer's writes wait out
 * their busy timeout and fail), the spool's directory replaced by a file; decisions of the authorize API (SigV4-signed by
 * the CLI) make the records.
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { COMPILE_CACHE, GATEHOUSE_BIN } from './support/processes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

let work = '';
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'gatehouse-review-ja5-'));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

async function start(dir: string): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, [GATEHOUSE_BIN, 'server', '--data-dir', dir, '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', 'off'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    // Open: calls go on while the audit log cannot be written. Without the journal: the records wait in memory only.
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: work, ...COMPILE_CACHE, GATEHOUSE_AUDIT_FAILURE: 'open', GATEHOUSE_AUDIT_DRAIN_SECONDS: '1', GATEHOUSE_AUDIT_JOURNAL: 'off' },
  });
  let err = '';
  child.stderr!.setEncoding('utf8');
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 60 s: ${err}`)), 60_000);
    child.stderr!.on('data', (c: string) => {
      err += c;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
  // The signal handlers are set once the start has returned, a moment after it says where it listens.
  await new Promise((r) => setTimeout(r, 1000));
  return { child, url, stderr: () => err };
}

const exited = (child: ChildProcess): Promise<{ code: number | null; signal: string | null }> =>
  child.exitCode !== null ? Promise.resolve({ code: child.exitCode, signal: null }) : new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

/** Decisions of the authorize API (each one an audit record), asked as the root admin with `gatehouse authorize`. */
async function decide(dir: string, url: string, times: number): Promise<void> {
  const admin = JSON.parse(await readFile(join(dir, 'admin-credentials.json'), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
  for (let i = 0; i < times; i++) {
    const r = await gatehouseInProcess(['authorize', '--action', 's3:GetObject', '--resource', `arn:aws:s3:::ja5/${i}`], { AWS_ACCESS_KEY_ID: admin.AccessKeyId, AWS_SECRET_ACCESS_KEY: admin.SecretAccessKey, GATEHOUSE_ENDPOINT: url });
    assert.equal(r.code, 0, r.stderr);
  }
}

describe('review ja5: a stop that loses audit records does not exit as a clean one', () => {
  it('records neither written nor spooled: the stop says so and exits 10', { timeout: 90_000 }, async () => {
    const dir = join(work, 'lost');
    const s = await start(dir);
    const db = new DatabaseSync(join(dir, 'gatehouse.db'), { timeout: 10_000 });
    try {
      db.exec('BEGIN IMMEDIATE');
      await rm(join(dir, 'audit-spool'), { recursive: true, force: true });
      await writeFile(join(dir, 'audit-spool'), 'not a directory\n');
      await decide(dir, s.url, 3);
      const end = exited(s.child);
      s.child.kill('SIGTERM');
      const { code, signal } = await end;
      assert.match(s.stderr(), /audit: LOST \d+ AUDIT RECORD\(S\)/);
      assert.equal(signal, null);
      assert.equal(code, 10, `exit status of a stop that lost audit records: ${s.stderr().split('\n').slice(-6).join('\n')}`);
      assert.match(s.stderr(), /gatehouse stopped, not cleanly: \d+ audit record\(s\) lost/);
      assert.doesNotMatch(s.stderr(), /^gatehouse stopped$/m);
    } finally {
      if (db.isTransaction) db.exec('ROLLBACK');
      db.close();
      s.child.kill('SIGKILL');
    }
  });

  it('a stop that writes them is still exit 0 (unchanged)', { timeout: 60_000 }, async () => {
    const dir = join(work, 'clean');
    const s = await start(dir);
    await decide(dir, s.url, 3);
    const end = exited(s.child);
    s.child.kill('SIGTERM');
    const { code } = await end;
    assert.equal(code, 0, s.stderr());
    assert.match(s.stderr(), /^gatehouse stopped$/m);
  });
});
