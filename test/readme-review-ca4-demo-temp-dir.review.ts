/**
 * Review of `gatehouse demo` (review ca, 4): a temporary directory it cannot make was an internal error.
 *
 * What was wrong: with TMPDIR naming a place where no directory can be made (a file, a read-only or full disk), the
 * demo died on its first line with `gatehouse: internal error: Error: ENOTDIR: not a directory, mkdtemp …`, a stack
 * trace, `please report this` and exit 70: a bug report asked for what is this machine's setting, and an exit status
 * the demo's help does not list (0 or 1).
 *
 * What is now so: it says which directory it could not make, why, and what to do (TMPDIR), and exits 1 as any failed
 * demo does; with --json, the report on stdout says so too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/gatehouse.js', import.meta.url));

async function demo(args: string[], tmp: string): Promise<{ code: number | null; out: string; err: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(AWS_|ALIBABA_CLOUD_|GATEHOUSE_|NODE_TEST_CONTEXT)/.test(k)) env[k] = v;
  // The compile cache stays where it is (it would go under TMPDIR too).
  Object.assign(env, { TMPDIR: tmp, NODE_COMPILE_CACHE: join(tmpdir(), 'gatehouse-ca4-compile-cache') });
  const child = spawn(process.execPath, [BIN, 'demo', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => void (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => void (err += d));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  return { code, out, err };
}

test('gatehouse demo with TMPDIR naming a file: says so, exit 1, no internal error', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gh-ca4-'));
  try {
    const file = join(dir, 'not-a-directory');
    await writeFile(file, '');
    const r = await demo([], file);
    assert.equal(r.code, 1, `stderr:\n${r.err}`);
    assert.doesNotMatch(r.err, /internal error|please report|    at /);
    assert.match(r.err, new RegExp(`^gatehouse demo: cannot make a temporary directory in \`${file}\` \\(ENOTDIR: not a directory\\); set TMPDIR to a directory you can write to\\n$`));
    const j = await demo(['--json'], file);
    assert.equal(j.code, 1);
    const report = JSON.parse(j.out) as { ok: boolean; error?: string };
    assert.equal(report.ok, false);
    assert.match(report.error ?? '', /cannot make a temporary directory/);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await rm(join(tmpdir(), 'gatehouse-ca4-compile-cache'), { recursive: true, force: true });
  }
});
