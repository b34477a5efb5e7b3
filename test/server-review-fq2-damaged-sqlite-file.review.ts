/**
 * Review fq, 2: `gatehouse server` on a data dir whose `gatehouse.db` is not a SQLite database (damaged, overwritten,
 * a file copied over it) or cannot be opened (a directory in its place) exited 10, which docs/errors.md gives to
 * something unavailable that a retry may bring back, with SQLite's bare words: `the database (SQLite in DIR): file
 * is not a database`. A service manager restarted it for ever, and the message named neither the file nor what to do.
 * Now it exits 5 (an input file that is not what it must be, as a malformed master key file), and the message names
 * the file and says what to do. Real server process (bin/gatehouse.js).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { GATEHOUSE_BIN, run } from './support/processes.ts';

let work = '';
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'gatehouse-review-fq2-'));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

const server = (dataDir: string) =>
  run(process.execPath, [GATEHOUSE_BIN, 'server', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', 'off'], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: work }, { timeoutMs: 60_000 });

describe('review fq2: a gatehouse.db that is not a database is a bad input file (5), named', () => {
  it('a file of other bytes: exit 5, the file named, what to do said', { timeout: 90_000 }, async () => {
    const dir = join(work, 'garbage');
    await mkdir(dir);
    await writeFile(join(dir, 'gatehouse.db'), Buffer.alloc(8192, 0x5a));
    const r = await server(dir);
    assert.equal(r.code, EXIT.noInput, r.stderr);
    assert.ok(r.stderr.includes(`${join(dir, 'gatehouse.db')} is not a SQLite database, or is damaged`), r.stderr);
    assert.match(r.stderr, /restore it from a copy, or move it away/);
    assert.doesNotMatch(r.stderr, /listening on/);
  });

  it('a directory in its place: exit 5, the file named', { timeout: 90_000 }, async () => {
    const dir = join(work, 'directory');
    await mkdir(join(dir, 'gatehouse.db'), { recursive: true });
    const r = await server(dir);
    assert.equal(r.code, EXIT.noInput, r.stderr);
    assert.ok(r.stderr.includes(`cannot open ${join(dir, 'gatehouse.db')}`), r.stderr);
  });
});
