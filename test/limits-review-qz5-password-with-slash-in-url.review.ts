/**
 * Review qz, 5: GATEHOUSE_DATABASE_URL with a password that begins with `/` (or with digits then `/`), not
 * percent-encoded (`postgres://gatehouse:/xK9…@db:5432/gatehouse`, a generated password pasted as is), was logged whole
 * on every attempt to reach the database: the URL parser ends the authority at that `/`, reads host `gatehouse` with an
 * empty (or numeric) port and the path `/xK9…@db:5432/gatehouse`, finds no password, and `shownUrl`
 * (src/core/shown-url.ts) showed such a URL as given, where it shows any other without its password. The
 * same for the agent's --upstream and every URL shown so. Now an `@` past where the parser ended the authority is taken
 * for the end of a user and password, as for a URL without an authority (review ik, 1): the URL is shown from its
 * last `@` on (`postgres://…@db:5432/gatehouse`); a URL with a password the parser finds, or none, is shown as before.
 *
 * `shownUrl` itself, and the server's executable started with such a URL and no database there (its log up to the
 * first failed attempt).
 *
 * Before the fix 2 of 3 tests failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shownUrl } from '../src/core/shown-url.ts';
import { COMPILE_CACHE, GATEHOUSE_BIN } from './support/processes.ts';

const SECRET = 'qz5Pa55w0rd';

test('qz5: a password the parser reads as a path is not shown', () => {
  assert.equal(shownUrl(`postgres://gatehouse:/${SECRET}@127.0.0.1:1/gh`), 'postgres://…@127.0.0.1:1/gh');
  assert.equal(shownUrl(`postgres://gatehouse:5432/${SECRET}@db.internal/gh`), 'postgres://…@db.internal/gh');
  assert.equal(shownUrl(`http://gate:/${SECRET}@127.0.0.1:8471`), 'http://…@127.0.0.1:8471');
});

test('qz5: other URLs are shown as before', () => {
  assert.equal(shownUrl(`postgres://gatehouse:${SECRET}@db.internal:5432/gh`), 'postgres://gatehouse:…@db.internal:5432/gh');
  assert.equal(shownUrl('postgres://gatehouse@db.internal:5432/gh'), 'postgres://gatehouse@db.internal:5432/gh');
  assert.equal(shownUrl('http://127.0.0.1:8471/x'), 'http://127.0.0.1:8471/x');
  assert.equal(shownUrl(`postgres://db.internal/gh?password=${SECRET}`), 'postgres://db.internal/gh');
});

test('qz5: the server waiting for such a database does not log the password', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gh-qz5-'));
  const child = spawn(process.execPath, [GATEHOUSE_BIN, 'server', '--data-dir', join(dir, 'data'), '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', 'off'], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, TMPDIR: dir, ...COMPILE_CACHE, GATEHOUSE_DATABASE_URL: `postgres://gatehouse:/${SECRET}@127.0.0.1:1/gh` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let printed = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no failed attempt logged within 30 s:\n${printed}`)), 30_000);
      const onData = (b: Buffer): void => {
        printed += b.toString();
        if (/cannot be reached \(attempt 1\)/.test(printed)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('close', (code) => {
        clearTimeout(timer);
        reject(new Error(`the server exited with ${code}:\n${printed}`));
      });
    });
  } finally {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
  assert.ok(!printed.includes(SECRET), printed);
  assert.match(printed, /the database \(PostgreSQL at postgres:\/\/…@127\.0\.0\.1:1\/gh\) cannot be reached \(attempt 1\)/);
});
