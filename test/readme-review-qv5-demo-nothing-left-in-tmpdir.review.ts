/**
 * Review `readme`, qv5: `gatehouse demo --help` says "Nothing to set up and nothing left behind", and the demo removes
 * its temporary directory; but its jobs' per-user base directory (`jobs run` makes each job's private directory in
 * `$XDG_RUNTIME_DIR/gatehouse`, else `$TMPDIR/gatehouse-<uid>`, making that base when absent and keeping it for later
 * jobs) was made outside it, so a machine that had never run a job kept `gatehouse-<uid>` in its temporary directory
 * (or `gatehouse` in its runtime directory) after the demo. The demo's jobs now keep their directories under the
 * demo's own temporary directory, which goes with it.
 *
 * Before the fix 1 of 1 tests failed. The demo as a user runs it (`bin/gatehouse.js demo --json`), TMPDIR a fresh
 * directory, no XDG_RUNTIME_DIR, the compile cache elsewhere (NODE_COMPILE_CACHE: every command's, not the demo's).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/gatehouse.js', import.meta.url));

test('qv5: after the demo, its TMPDIR holds nothing it made', { timeout: 120_000 }, async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'qv5-tmp-'));
  try {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/^(AWS_|ALIBABA_CLOUD_|GATEHOUSE_|NODE_TEST_CONTEXT|XDG_RUNTIME_DIR$|TMPDIR$)/.test(k)) env[k] = v;
    Object.assign(env, { TMPDIR: tmp, NODE_COMPILE_CACHE: process.env['NODE_COMPILE_CACHE'] ?? join(tmpdir(), 'node-compile-cache') });
    const child = spawn(process.execPath, [BIN, 'demo', '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => void (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => void (err += d));
    const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
    const report = JSON.parse(out) as { ok: boolean; steps: { id: string; ok: boolean; summary: string }[] };
    assert.deepEqual(report.steps.filter((s) => !s.ok).map((s) => `${s.id}: ${s.summary}`), [], err);
    assert.equal(code, 0);
    assert.deepEqual(await readdir(tmp), [], 'left behind in TMPDIR');
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});
