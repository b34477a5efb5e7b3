/**
 * Review gr, 8: `gatehouse server` read its input files whole, however large: `--tls-cert /dev/zero` (or a disk image,
 * a log, `/dev/urandom` given by mistake) was read for seconds into some 700 MB of memory, then refused as
 * `cannot be read (Invalid string length)`, which named nothing the operator could act on; `--master-key-file
 * /dev/zero` the same. Now these files are read up to a bound (a PEM file 1 MiB, a master key 4 KiB): past it the
 * server stops at once, exit 5, saying the file is larger than such a file ever is and to check the path.
 *
 * The server's executable, with a deadline.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { COMPILE_CACHE, GATEHOUSE_BIN, run } from './support/processes.ts';

let home = '';
before(async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-gr8-'));
});
after(async () => {
  if (home) await rm(home, { recursive: true, force: true });
});

const server = (args: readonly string[]) =>
  run(process.execPath, [GATEHOUSE_BIN, 'server', '--data-dir', join(home, 'data'), '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', 'off', ...args], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, TMPDIR: home, ...COMPILE_CACHE }, { timeoutMs: 30_000, killSignal: 'SIGKILL' });

test('gr8: --tls-cert /dev/zero is refused as too large, at once', async () => {
  const started = performance.now();
  const r = await server(['--tls-cert', '/dev/zero', '--tls-key', '/dev/zero']);
  assert.equal(r.code, EXIT.noInput, r.stderr);
  assert.match(r.stderr, /--tls-cert `\/dev\/zero`: cannot be read \(larger than 1 MiB, more than such a file ever is; check the path\)/);
  assert.ok(performance.now() - started < 20_000);
});

test('gr8: --master-key-file /dev/zero is refused as too large', async () => {
  const r = await server(['--master-key-file', '/dev/zero']);
  assert.equal(r.code, EXIT.noInput, r.stderr);
  assert.match(r.stderr, /master key file `\/dev\/zero` cannot be read \(larger than 4 KiB/);
});
