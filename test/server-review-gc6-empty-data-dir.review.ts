/**
 * Review gc, 6. `gatehouse server --data-dir ""` (the usual way to get it: `--data-dir "$GATEHOUSE_DIR"` with the
 * variable unset, in a unit file or a script) was read as the current directory: the server started and wrote the
 * store, `master.key` and `admin-credentials.json` (the root admin's secret) wherever it was started, a source checkout
 * or a home directory, only warning that the directory "is open to group or others". Now an empty `--data-dir` is a
 * malformed argument: exit status 2 before anything is created, saying to give a directory or leave the option out
 * (for ./.gatehouse); with `--workers` too. Real server processes, in a scratch working directory.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMPILE_CACHE, GATEHOUSE_BIN, run } from './support/processes.ts';

let work = '';
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'gatehouse-review-gc6-'));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

test('an empty --data-dir is refused, and nothing is written where the server was started', { timeout: 150_000 }, async () => {
  for (const args of [['--data-dir', ''], ['--data-dir='], ['--data-dir', '   '], ['--data-dir', '', '--workers', '2']]) {
    // Before: it started (killed at 30 s here) with its files in the working directory. 30 s, not 10: on a loaded host
    // (16 test processes on 2 cores) loading the CLI before it refuses the argument took 10 s once.
    const r = await run(process.execPath, [GATEHOUSE_BIN, 'server', ...args, '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', 'off'], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: work, ...COMPILE_CACHE }, { cwd: work, timeoutMs: 30_000 });
    assert.equal(r.code, 2, `${JSON.stringify(args)}: ${r.stderr}`);
    assert.match(r.stderr, /--data-dir is empty: give the directory of the server's data, or leave --data-dir out for \.\/\.gatehouse/);
    assert.deepEqual(readdirSync(work), [], `${JSON.stringify(args)} wrote into the working directory`);
  }
});
