/**
 * Review gr, 11: on first start `gatehouse server` writes a new master key to a temporary file, then links it into
 * place as `master.key`. When the write failed (a full disk, a file size limit) the start failed, rightly, but the
 * temporary file `master.key.<pid>.<hex>.tmp` stayed in the data dir, empty or holding part of a key, one more at
 * every start tried. Now a failed write removes it: the data dir holds nothing half-written.
 *
 * The server's executable under a file size limit of 0 (`ulimit -f 0`, SIGXFSZ ignored so that a write fails with
 * EFBIG instead of killing the process; its output goes to pipes, which the limit does not touch), with a deadline.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { COMPILE_CACHE, GATEHOUSE_BIN, run } from './support/processes.ts';

let home = '';
before(async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-gr11-'));
});
after(async () => {
  if (home) await rm(home, { recursive: true, force: true });
});

test('gr11: a master key that cannot be written leaves no temporary file in the data dir', async () => {
  const dataDir = join(home, 'data');
  const r = await run(
    '/bin/sh',
    ['-c', 'trap "" XFSZ; ulimit -f 0; exec "$0" "$@"', process.execPath, GATEHOUSE_BIN, 'server', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', 'off'],
    { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, TMPDIR: home, ...COMPILE_CACHE },
    { timeoutMs: 30_000, killSignal: 'SIGKILL' },
  );
  assert.equal(r.code, EXIT.noInput, r.stderr);
  assert.match(r.stderr, /cannot create the master key in `.*`: EFBIG/);
  assert.deepEqual(await readdir(dataDir), [], 'something half-written was left in the data dir');
});
