/**
 * Review qz, 2: `gatehouse server --master-key-file "$(openssl rand -base64 32)"` (or the deployment's key, copied from
 * GATEHOUSE_MASTER_KEY into the flag), the key given where its file's path goes, was refused as "master key file
 * `nT+4mtxJ…=` does not exist": the master key, under which every long-term secret is sealed, on the terminal and in
 * every log that keeps the start's output. Now a --master-key-file that does not name a readable file and is itself a
 * master key (base64 of 32 bytes) is refused without it (exit 5, as a missing key file), saying to put it in a file or
 * in GATEHOUSE_MASTER_KEY; a missing file with another name is still named, and a file with such a name is still read.
 *
 * The server's executable, with a deadline: the refusal comes before anything is opened.
 *
 * Before the fix 1 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { COMPILE_CACHE, GATEHOUSE_BIN, run } from './support/processes.ts';

let home = '';
/** A master key with no `/` in it, so that it may also be a file's name in `home`. */
let key = '';

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-qz2-'));
  do key = randomBytes(32).toString('base64');
  while (key.includes('/'));
});
after(async () => {
  if (home) await rm(home, { recursive: true, force: true });
});

const server = (args: readonly string[], cwd?: string) =>
  run(process.execPath, [GATEHOUSE_BIN, 'server', '--data-dir', join(home, 'data'), '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', 'off', ...args], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, TMPDIR: home, ...COMPILE_CACHE }, { timeoutMs: 30_000, killSignal: 'SIGKILL', ...(cwd !== undefined ? { cwd } : {}) });

test('qz2: --master-key-file given the key itself is refused without it', async () => {
  const r = await server(['--master-key-file', key]);
  assert.equal(r.code, EXIT.noInput, r.stderr);
  assert.ok(!r.stderr.includes(key) && !r.stdout.includes(key), `the key was shown: ${r.stderr}`);
  assert.match(r.stderr, /--master-key-file was given a master key \(base64 of 32 bytes\), not the path of a file \(not shown\): write it to a file readable by this user only and give that file's path, or set GATEHOUSE_MASTER_KEY/);
});

test('qz2: a missing key file of another name is still named', async () => {
  const r = await server(['--master-key-file', join(home, 'no-such.key')]);
  assert.equal(r.code, EXIT.noInput, r.stderr);
  assert.match(r.stderr, /master key file `[^`]*no-such\.key` does not exist/);
});

test('qz2: a key file whose name is shaped as a key is still read', async () => {
  const dir = join(home, 'keys');
  await mkdir(dir, { recursive: true });
  // Not a key inside: its refusal says the file was read, and names it as given.
  await writeFile(join(dir, key), 'not a key\n', { mode: 0o600 });
  const r = await server(['--master-key-file', key], dir);
  assert.equal(r.code, EXIT.noInput, r.stderr);
  assert.ok(r.stderr.includes(`master key file \`${key}\` is not base64 of 32 bytes`), r.stderr);
});
