/**
 * Review gr, 9: `gatehouse server` checks its arguments, settings and input files before it creates anything (the
 * TLS files are read first), but the master key it was given was read only after the data dir had been made:
 * `--master-key-file` naming a missing or malformed file, or a malformed GATEHOUSE_MASTER_KEY, failed (exit 5, exit 2)
 * and left an empty data dir behind, which the next start, given the right key, took as its own. Now a given key is
 * checked before the data dir is made; a data dir without a key of its own still gets one made in it.
 *
 * The server's executable, with a deadline.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { COMPILE_CACHE, GATEHOUSE_BIN, run } from './support/processes.ts';

let home = '';
before(async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-gr9-'));
});
after(async () => {
  if (home) await rm(home, { recursive: true, force: true });
});

const server = (dataDir: string, args: readonly string[], extra: Record<string, string> = {}) =>
  run(process.execPath, [GATEHOUSE_BIN, 'server', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', 'off', ...args], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, TMPDIR: home, ...COMPILE_CACHE, ...extra }, { timeoutMs: 30_000, killSignal: 'SIGKILL' });

test('gr9: a missing or malformed --master-key-file fails without making the data dir', async () => {
  const bad = join(home, 'bad.key');
  await writeFile(bad, 'not a key\n', { mode: 0o600 });
  for (const [file, why] of [
    [join(home, 'missing.key'), /does not exist/],
    [bad, /is not base64 of 32 bytes/],
  ] as const) {
    const dataDir = join(home, 'data-file');
    const r = await server(dataDir, ['--master-key-file', file]);
    assert.equal(r.code, EXIT.noInput, r.stderr);
    assert.match(r.stderr, why);
    assert.ok(!existsSync(dataDir), `${file}: the data dir was made`);
  }
});

test('gr9: a malformed GATEHOUSE_MASTER_KEY fails without making the data dir', async () => {
  const dataDir = join(home, 'data-env');
  const r = await server(dataDir, [], { GATEHOUSE_MASTER_KEY: 'not-a-key' });
  assert.equal(r.code, EXIT.usage, r.stderr);
  assert.match(r.stderr, /GATEHOUSE_MASTER_KEY/);
  assert.ok(!existsSync(dataDir), 'the data dir was made');
});
